export const DEV_ADMIN_TOKEN: string
export function offlineVars(emulatorUrl: string): Record<string, string>
