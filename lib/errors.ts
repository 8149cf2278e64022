// One error table for the whole API: every failure leaves as { error: { code, message } }
// with the status below. Browser-safe: the client maps the same codes.

export const ERROR_STATUS = {
  invalid_json: 400,
  url_not_allowed: 400,
  unauthenticated: 401,
  password_required: 401,
  wrong_password: 401,
  invalid_credentials: 401,
  forbidden: 403,
  insufficient_scope: 403,
  invalid_setup_token: 403,
  password_sign_in_disabled: 403,
  sign_up_closed: 403,
  cross_origin: 403,
  key_mismatch: 403,
  operation_not_allowed: 403,
  upload_id_mismatch: 403,
  not_found: 404,
  email_taken: 409,
  invalid_state: 409,
  not_uploaded: 409,
  checksum_conflict: 409,
  integrity_failed: 409,
  reservation_expired: 410,
  link_expired: 410,
  link_used_up: 410,
  link_revoked: 410,
  too_large: 413,
  body_too_large: 413,
  quota_exceeded: 413,
  type_not_allowed: 415,
  unsupported_media_type: 415,
  invalid_input: 422,
  upload_rejected: 422,
  upload_quarantined: 422,
  rate_limited: 429,
  internal: 500,
  storage_unavailable: 503,
  database_unavailable: 503,
  busy: 503,
  identity_provider_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Sent as Retry-After with 429 and 503 answers. */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_STATUS, value);
}
