/** Shared helpers for provider and execution tests: config pointed at the in-process emulator, chunk collection. */
import { buildConfig, type ModelSpec } from '../../src/config'
import type { ChatRequest } from '../../src/openai/request'
import { parseChatRequest } from '../../src/openai/request'
import type { ChatCompletionChunk } from '../../src/openai/types'
import { createEmulator } from '../fixtures/emulator.mjs'
import { expectValid } from '../support/openai-spec'

export const EMU = 'http://emulator.test'

/** Env vars pointing every provider at the emulator (same prefixes as emulator-server.mjs). */
export const emulatorEnv = {
  OPENAI_API_KEY: 'sk-test-openai-0123456789',
  OPENAI_BASE_URL: `${EMU}/openai/v1`,
  DEEPSEEK_API_KEY: 'sk-test-deepseek-0123456789',
  DEEPSEEK_BASE_URL: `${EMU}/deepseek`,
  ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
  ANTHROPIC_BASE_URL: `${EMU}/anthropic`,
  CLOUDFLARE_ACCOUNT_ID: 'acct123',
  CLOUDFLARE_API_TOKEN: 'cf-token-0123456789',
  WORKERS_AI_BASE_URL: `${EMU}/workers-ai`,
}

export function setup(extraEnv: Record<string, string> = {}) {
  const emu = createEmulator({ trickleMs: 5 })
  const config = buildConfig({ ...emulatorEnv, ...extraEnv })
  return { emu, config }
}

export function request(body: Record<string, unknown>): ChatRequest {
  const r = parseChatRequest({ model: 'auto', ...body })
  if (!r.ok) throw new Error(r.message)
  return r.request
}

export const user = (content: string, extra: Record<string, unknown> = {}) => request({ messages: [{ role: 'user', content }], ...extra })

export function model(config: ReturnType<typeof buildConfig>, id: string): ModelSpec {
  const m = config.models[id]
  if (!m) throw new Error(`no model ${id}`)
  return m
}

/** Reads a chunk stream to the end (or its error), validating every chunk against OpenAI's schema. */
export async function collect(chunks: ReadableStream<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; text: string; reasoning: string; error?: unknown }> {
  const out: ChatCompletionChunk[] = []
  let text = ''
  let reasoning = ''
  const reader = chunks.getReader()
  try {
    for (;;) {
      const r = await reader.read()
      if (r.done) break
      expectValid('CreateChatCompletionStreamResponse', r.value)
      out.push(r.value)
      for (const c of r.value.choices) {
        text += c.delta.content ?? ''
        reasoning += (c.delta as { reasoning_content?: string }).reasoning_content ?? ''
      }
    }
  } catch (error) {
    return { chunks: out, text, reasoning, error }
  }
  return { chunks: out, text, reasoning }
}

export const signal = () => new AbortController().signal
