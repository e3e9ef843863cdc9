// Stands in for Traefik's nested module github.com/traefik/traefik/dynamic/ext, which its go.mod
// replaces with ./pkg/config/dynamic/ext: a directory with a go.mod of its own is left out of the
// parent's module zip, so the module proxy's copy of Traefik lacks it. scripts/traefik.sh points the
// replace here. Open-source Traefik embeds its two types, with no fields, as extension points.
module github.com/traefik/traefik/dynamic/ext

go 1.22
