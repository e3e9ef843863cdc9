// Package nodns takes the place of lego's providers/dns in the lab's Traefik build (scripts/traefik.sh):
// that package compiles in every ACME DNS provider's SDK, and the module proxy refuses fourteen of them.
// The lab never asks Traefik for a certificate, so the DNS-01 challenge is left out, with an error
// that says so if a configuration asks for it.
package nodns

import (
	"fmt"

	"github.com/go-acme/lego/v5/challenge"
)

// NewDNSChallengeProviderByName has the signature of lego's and always fails.
func NewDNSChallengeProviderByName(name string) (challenge.Provider, error) {
	return nil, fmt.Errorf("ACME DNS challenge provider %q: not compiled into this Traefik build (rollout-lab builds it without lego's DNS providers)", name)
}
