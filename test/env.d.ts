// Types `env` from `cloudflare:test` as the Worker's own bindings.
type TriageEnv = import('../src/env').Env
declare namespace Cloudflare {
  interface Env extends TriageEnv {}
}
