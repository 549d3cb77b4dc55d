import type { WorkerOptions } from 'miniflare'
export const WORKERS: Record<'router' | 'admin', { config: string; entry: string }>
export function bundleWorker(entry: string, outfile: string): Promise<string>
export function bundleWorkers(outDir: string): Promise<{ router: string; admin: string }>
export function triageWorkers(scripts: { router: string; admin: string }, vars?: Record<string, string>): Promise<WorkerOptions[]>
