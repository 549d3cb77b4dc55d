export function withoutAdminBinding(toml: string): string
