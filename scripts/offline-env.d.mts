export const DEV_ADMIN_TOKEN: string
export function offlineVars(emulatorUrl: string): Record<string, string>
export const OFFLINE_STATE_DIR: string
export function writeSession(session: { url: string; admin_token: string; pid: number }): void
export function removeSession(): void
export function liveSession(): { url: string; admin_token: string; pid: number } | undefined
export function readDevTenant(): { id: string; api_key: string } | undefined
export function writeDevTenant(tenant: { id: string; api_key: string }): void
