// Package ext holds the two extension points Traefik's dynamic configuration embeds inline; the lab's
// build leaves them empty (see go.mod).
package ext

// HTTP is embedded in dynamic.HTTPConfiguration.
type HTTP struct{}

// Router is embedded in dynamic.Router.
type Router struct{}
