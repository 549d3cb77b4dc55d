import type { WorkerOptions } from 'miniflare'
export const TRIAGE: { name: string; config: string; entry: string }
export function bundleWorker(entry: string, outfile: string): Promise<string>
export function triageWorker(script: string, vars?: Record<string, string>): Promise<WorkerOptions>
