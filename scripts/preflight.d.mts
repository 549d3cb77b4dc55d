export const PLACEHOLDER_KV_ID: string
export function kvIdProblem(toml: string): string | null
