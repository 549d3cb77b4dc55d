/**
 * Routing (issue 13) as a user meets it: the official `openai` SDK with `model: 'auto'` against the Worker as it
 * deploys, in front of the provider emulators. Each request's tier, model and reason come back in the response
 * headers; the decisions are the scorer's (src/scoring), read here through the whole request path.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type Router } from './harness'

let router: Router
let client: OpenAI

beforeAll(async () => {
  router = await startRouter()
  const tenant = await router.createTenant({ name: 'routing' })
  client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenant.api_key, maxRetries: 0 })
})
afterAll(async () => router?.stop())

type Messages = OpenAI.Chat.ChatCompletionMessageParam[]

/** The tier and reason Triage answered with, after a real call through the SDK. */
async function routed(messages: Messages, extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) {
  const { data, response } = await client.chat.completions.create({ model: 'auto', messages, ...extra }).withResponse()
  expect(data.choices[0].message).toBeDefined()
  return { tier: response.headers.get('x-triage-tier'), model: response.headers.get('x-triage-model'), reason: response.headers.get('x-triage-reason') ?? '' }
}
const user = (content: string): Messages => [{ role: 'user', content }]

const EMAIL = 'Hi Tom,\n\nSo I wanted to follow up on the floor plans from last week because honestly nobody has gotten back to me. ' +
  'We have been waiting since the 3rd, the contractor keeps asking me when they are coming, and I keep telling him I do not know. ' +
  'Can someone please just send them by Friday or tell me who is actually responsible?\n\nThanks, Priya'

describe('openai SDK, model auto: what a request demands decides its tier', () => {
  it.each([
    ["Hi! How's your day going?", 'trivial'],
    ["Who proved Fermat's Last Theorem?", 'trivial'],
    ['What is a lock-free queue, in one sentence?', 'trivial'],
    ['Prove that √2 is irrational.', 'medium'],
    ['√2が無理数であることを証明してください。', 'medium'],
    ['证明√2是无理数。', 'medium'],
    ['用Python写一个多线程爬虫，支持断点续传', 'medium'],
    ['Find the last three digits of 2^2024.', 'medium'],
    ['Design a globally distributed rate limiter for 5M requests/s across 300 edge locations, with failure modes.', 'premium'],
  ])('%s → %s', async (text, tier) => {
    const r = await routed(user(text))
    expect(r.tier).toBe(tier)
    expect(r.reason.startsWith(`${tier} `)).toBe(true)
  })

  it('a pasted email to polish stays on the small model; the same email to analyse does not', async () => {
    const polish = await routed(user(`can you make this email more professional and less annoyed? keep all the facts the same\n\n${EMAIL}`))
    expect(polish.tier).toBe('trivial')
    expect(polish.model).toBe('@cf/meta/llama-3.2-3b-instruct')
    expect((await routed(user(`Analyse the legal risks in this email:\n\n${EMAIL}`))).tier).not.toBe('trivial')
  })

  it("an app's system prompt is the instruction for its user's draft; an agent's tools make the user turn the task", async () => {
    const app = "You are the 'Improve writing' feature of an email client. Rewrite the user's draft so it is clear, concise and professional. Return only the rewritten email."
    expect((await routed([{ role: 'system', content: app }, { role: 'user', content: EMAIL }])).tier).toBe('trivial')
    const agent = '你是电商平台的售后运营 Agent。你可以调用工具处理工单。规则：单笔退款超过 500 元需要先审批；对用户的回复需礼貌并说明处理结果。'
    const batch = '帮我处理今天这批投诉：工单 T20241107-031、T20241107-044、T20241107-052。每个都先查订单和物流，判断该退款、补发还是驳回，' +
      '处理完给每个用户发消息，最后给我一个汇总表。有查不到或者工具报错的要重试一次，还不行就标记人工处理。'
    const tools = ['get_order', 'get_tracking', 'refund', 'reship', 'send_message'].map((name) => ({ type: 'function' as const, function: { name, parameters: { type: 'object' } } }))
    expect((await routed([{ role: 'system', content: agent }, { role: 'user', content: batch }], { tools })).tier).not.toBe('trivial')
  })

  it('a follow-up continues its conversation; thanks, a topic switch and reshaping an easy answer do not', async () => {
    const proof: Messages = [
      { role: 'user', content: 'Prove that there are infinitely many primes of the form 4k+3.' },
      { role: 'assistant', content: 'Suppose there are finitely many, p1, ..., pk. Consider N = 4·p1···pk − 1.' },
    ]
    expect((await routed([...proof, { role: 'user', content: 'ok continue' }])).tier).toBe('medium')
    expect((await routed([...proof, { role: 'user', content: 'thanks, that is all!' }])).tier).toBe('trivial')
    expect((await routed([...proof, { role: 'user', content: 'ok, I will read that later. Unrelated question: what time zone is Denver in?' }])).tier).toBe('trivial')
    const card: Messages = [
      { role: 'user', content: 'Can you write a short message for a retirement card? Linda, 31 years in accounting, loves gardening.' },
      { role: 'assistant', content: 'Dear Linda, after 31 wonderful years it is time to trade spreadsheets for seed packets!' },
      { role: 'user', content: 'love it. can you make it a bit funnier?' },
    ]
    expect((await routed(card)).tier).toBe('trivial')
  })
})
