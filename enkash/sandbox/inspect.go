package sandbox

import "net/http"

// serveInspect answers the sandbox's own endpoints, which need no token and get no latency or
// faults: GET /_sandbox/calls (the call log, see Calls) and GET /_sandbox/stats (see Stats).
func (s *Server) serveInspect(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.serveInspectPost(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "sandbox: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case inspectPrefix + "calls":
		writeJSON(w, http.StatusOK, s.Calls())
	case inspectPrefix + "stats":
		writeJSON(w, http.StatusOK, s.Stats())
	default:
		http.NotFound(w, r)
	}
}
