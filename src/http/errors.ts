/**
 * Errors in OpenAI's format: `{"error":{"message","type","param","code"}}` with the right HTTP status.
 * Throw an `ApiError` anywhere on the request path; the app's error handler turns it into a response.
 * Anything else thrown becomes a generic 500 with no stack trace or secret in it.
 *
 * @example throw new ApiError(401, 'Missing API key.', { type: 'invalid_request_error', code: 'invalid_api_key' })
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'server_error'
  | 'upstream_error'
  | 'timeout_error'
  | 'service_unavailable'

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null }
}

export class ApiError extends Error {
  readonly status: number
  readonly type: ErrorType
  readonly param: string | null
  readonly code: string | null
  readonly headers: Record<string, string>

  constructor(
    status: number,
    message: string,
    opts: { type?: ErrorType; param?: string | null; code?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message)
    this.status = status
    this.type = opts.type ?? defaultType(status)
    this.param = opts.param ?? null
    this.code = opts.code ?? null
    this.headers = opts.headers ?? {}
  }

  toJSON(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } }
  }

  toResponse(extraHeaders?: Record<string, string>): Response {
    return new Response(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: { 'content-type': 'application/json', ...this.headers, ...extraHeaders },
    })
  }
}

function defaultType(status: number): ErrorType {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status === 503) return 'service_unavailable'
  if (status === 504) return 'timeout_error'
  if (status === 502) return 'upstream_error'
  if (status >= 500) return 'server_error'
  return 'invalid_request_error'
}

/** Anything thrown → an ApiError that is safe to show a client. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  return new ApiError(500, 'Internal error in Triage. The request was not completed.', { type: 'server_error', code: 'internal_error' })
}
