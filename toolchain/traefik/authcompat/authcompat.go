// Added to Traefik's pkg/middlewares/auth by the lab's build (scripts/traefik.sh). Traefik replaces
// github.com/abbot/go-http-auth with a fork the module proxy refuses; the build uses the upstream
// v0.4.0 instead, which lacks the fork's CheckSecret. This gives the same answer with v0.4.0's own
// comparisons (MD5-crypt, {SHA}, bcrypt): a BasicAuth whose only secret is `secret` checks `password`.
package auth

import (
	"net/http"

	goauth "github.com/abbot/go-http-auth"
)

func checkSecretCompat(password, secret string) bool {
	const user = "rollout-lab"
	a := &goauth.BasicAuth{Secrets: func(u, realm string) string {
		if u == user {
			return secret
		}
		return ""
	}}
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, password)
	return a.CheckAuth(r) == user
}
