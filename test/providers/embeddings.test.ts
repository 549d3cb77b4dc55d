/**
 * The adapters' `embed()`: OpenAI-compatible (`POST {base}/embeddings`) and Workers AI (bge, REST and binding), each
 * against the emulator; answers that are not what the provider documents are `invalid` (a 502), never passed on.
 */
import { describe, expect, it } from 'vitest'
import { createProviders } from '../../src/providers'
import { fromWorkersAIEmbedding } from '../../src/providers/workers-ai'
import { embeddingInputTokens } from '../../src/money'
import { embedVector } from '../fixtures/emulator.mjs'
import { setup } from './helpers'

const signal = new AbortController().signal

describe('Provider.embed', () => {
  it('OpenAI: vectors in input order (whatever order `data` lists them in), usage from prompt_tokens, else the bound', async () => {
    const { config } = setup()
    const shuffled: typeof fetch = async () => Response.json({ object: 'list', model: 'm', data: [{ object: 'embedding', index: 1, embedding: [2] }, { object: 'embedding', index: 0, embedding: [1] }], usage: { prompt_tokens: 5, total_tokens: 5 } })
    const openai = createProviders(config, {}, shuffled).openai
    const model = { id: 'text-embedding-3-small', provider: 'openai', upstream: 'text-embedding-3-small' }
    const r = await openai.embed!({ input: ['a', 'b'] }, model, { signal })
    expect(r).toEqual({ vectors: [[1], [2]], usage: { input: 5, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 } })

    const noUsage: typeof fetch = async () => Response.json({ data: [{ index: 0, embedding: [1] }] })
    const u = await createProviders(config, {}, noUsage).openai.embed!({ input: ['héllo'] }, model, { signal })
    expect(u.usage).toMatchObject({ input: embeddingInputTokens(['héllo']), estimated: true })

    for (const body of [{ data: [] }, { data: [{ index: 0, embedding: 'AAAA' }] }, { data: [{ index: 5, embedding: [1] }] }, { nope: 1 }]) {
      const bad: typeof fetch = async () => Response.json(body)
      await expect(createProviders(config, {}, bad).openai.embed!({ input: ['x'] }, model, { signal }), JSON.stringify(body)).rejects.toMatchObject({ kind: 'invalid' })
    }
  })

  it('Workers AI over REST and through the binding: { text } in, { shape, data } out, usage = the bound (estimated)', async () => {
    const { emu, config } = setup()
    const model = { id: '@cf/baai/bge-large-en-v1.5', provider: 'workers-ai', upstream: '@cf/baai/bge-large-en-v1.5' }
    const rest = await createProviders(config, {}, emu.fetch)['workers-ai'].embed!({ input: ['one', 'two'] }, model, { signal })
    expect(rest.vectors).toEqual([embedVector('one', 1024), embedVector('two', 1024)])
    expect(rest.usage).toEqual({ input: embeddingInputTokens(['one', 'two']), cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, estimated: true })
    expect(emu.requests.at(-1)).toMatchObject({ path: '/workers-ai/accounts/emulator/ai/run/@cf/baai/bge-large-en-v1.5', body: { text: ['one', 'two'] } })

    const bindingOnly = setup({ CLOUDFLARE_ACCOUNT_ID: '', CLOUDFLARE_API_TOKEN: '' })
    const viaBinding = await createProviders(bindingOnly.config, { AI: bindingOnly.emu.ai }, bindingOnly.emu.fetch)['workers-ai'].embed!({ input: ['one'] }, model, { signal })
    expect(viaBinding.vectors).toEqual([embedVector('one', 1024)])
    expect(bindingOnly.emu.ai.calls).toEqual([{ model: '@cf/baai/bge-large-en-v1.5', inputs: { text: ['one'] }, options: expect.any(Object) }])

    await expect(createProviders(config, {}, emu.fetch)['workers-ai'].embed!({ input: [[1, 2]] }, model, { signal })).rejects.toMatchObject({ status: 400, param: 'input' })
    expect(() => fromWorkersAIEmbedding({ shape: [1, 2], data: [[1, 2]] }, { input: ['a', 'b'] })).toThrow(expect.objectContaining({ kind: 'invalid' }))
    expect(() => fromWorkersAIEmbedding({ request_id: 'async' }, { input: ['a'] })).toThrow(expect.objectContaining({ kind: 'invalid' }))
  })

  it('has no embed() where the provider has no embeddings endpoint in Triage (Anthropic, Azure deployments)', () => {
    const { config } = setup()
    expect(createProviders(config, {}).anthropic.embed).toBeUndefined()
  })
})
