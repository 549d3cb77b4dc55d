/**
 * The shape of src/: no import cycles between its folders (issue 16). Each folder is a concern; a cycle means two
 * concerns that cannot be read, tested or changed apart. Type-only imports count too: they couple the folders' code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve('src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : []
  })
}

/** The folder of src/ a file belongs to ('.' for files at its top). */
const folderOf = (file: string) => relative(SRC, file).split('/').slice(0, -1)[0] ?? '.'

/** Folder → the folders it imports from. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>()
  for (const file of files(SRC)) {
    const from = folderOf(file)
    // Comments are not imports (doc comments show examples).
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const target = resolve(dirname(file), m[1] ?? m[2])
      if (!target.startsWith(SRC)) continue
      const to = folderOf(statSafe(target) ? join(target, 'index.ts') : `${target}.ts`)
      if (to === from || to === '.' || from === '.') continue
      if (!graph.has(from)) graph.set(from, new Set())
      graph.get(from)!.add(to)
    }
  }
  return graph
}

function statSafe(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** Every cycle's folders, each cycle once (found by depth-first search). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found = new Map<string, string[]>()
  const walk = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next)
      if (at >= 0) {
        const cycle = path.slice(at)
        const key = [...cycle].sort().join(',')
        if (!found.has(key)) found.set(key, [...cycle, next])
      } else walk(next, [...path, next])
    }
  }
  for (const node of graph.keys()) walk(node, [node])
  return [...found.values()]
}

describe('src/ folders', () => {
  it('import one another without cycles', () => {
    const graph = folderGraph()
    expect(graph.size).toBeGreaterThan(5)
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([])
  })
})
