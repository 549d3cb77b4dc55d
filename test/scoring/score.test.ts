import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { compactReason, DEFAULT_THRESHOLDS, FEATURES, score, tierOf, type Decision } from '../../src/scoring'
import { extract, N_DENSE } from '../../src/scoring/features'
import { bucketOf, softmax, taskTypes, TASK_TYPES, type Weights } from '../../src/scoring/model'
import { WEIGHTS } from '../../src/scoring/weights'
import type { ChatRequest } from '../../src/openai/request'

const ask = (content: ChatRequest['messages'][number]['content'], extra: Partial<ChatRequest> = {}): ChatRequest =>
  ({ model: 'auto', messages: [{ role: 'user', content }], ...extra }) as ChatRequest
const dense = (text: string) => {
  const x = extract(ask(text))
  return Object.fromEntries(FEATURES.map((f, i) => [f, x.dense[i]])) as Record<(typeof FEATURES)[number], number>
}

const CHAT = 'Hi! Can you suggest a name for my new cat?'
const COMPETITION =
  'Let $n$ be a positive integer. Prove that $\\sum_{k=1}^{n} \\frac{1}{k^2} < 2$ and find all $n$ such that ' +
  '$n^2 + 1$ divides $2^n + 1$. Determine the minimum value of $f(n) = \\lfloor \\sqrt{n} \\rfloor$ over all such $n$.'
const CODE = [
  'My Python function crashes:',
  '```python',
  'def mean(xs):',
  '    return sum(xs) / len(xs)',
  '```',
  'Traceback (most recent call last):',
  '  File "main.py", line 3, in <module>',
  'ZeroDivisionError: division by zero',
  'Fix it and explain why it fails.',
].join('\n')

describe('feature families', () => {
  it('sees code blocks, code tokens and stack traces', () => {
    const f = dense(CODE)
    expect(f.code_fence).toBe(1)
    expect(f.code_tokens).toBeGreaterThan(0)
    expect(f.stack_trace).toBeGreaterThan(0)
    expect(f.indent).toBeGreaterThan(0)
    expect(score(ask(CODE)).score).toBeGreaterThan(score(ask(CHAT)).score)
  })

  it('sees LaTeX, equations and competition-style maths, and routes it to premium', () => {
    const f = dense(COMPETITION)
    expect(f.latex).toBeGreaterThan(0)
    expect(f.dollars).toBeGreaterThan(0)
    expect(f.cue_proof).toBeGreaterThan(0)
    expect(f.cue_competition).toBeGreaterThan(0)
    const d = score(ask(COMPETITION))
    expect(d.tier).toBe('premium')
    expect(d.reasons.length).toBeGreaterThan(0)
  })

  it('does not mistake a price for LaTeX', () => {
    expect(dense('It costs $20 and $5.').dollars).toBe(0)
    expect(dense('Solve $x+1=2$.').dollars).toBeGreaterThan(0)
  })

  it('recognises lettered multiple-choice options', () => {
    expect(dense('Which is a prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:').mcq).toBe(1)
    expect(dense('A dog ran. Another dog sat.').mcq).toBe(0)
  })

  it('recognises the task type (the first, learned stage) and reports it in the features', () => {
    const top = (d: Decision) => Object.entries(d.features).filter(([k]) => k.startsWith('type_')).sort((a, b) => b[1] - a[1])[0][0]
    expect(top(score(ask('Which is a prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:')))).toBe('type_mcq')
    expect(top(score(ask('```python\n\ndef add(a, b):\n    """Return the sum of a and b.\n    >>> add(2, 3)\n    5\n    """\n```')))).toBe('type_code_completion')
    expect(top(score(ask(CHAT)))).toBe('type_chat')
    const maths = score(ask(COMPETITION)).features
    expect(maths.type_competition_math + maths.type_olympiad_math).toBeGreaterThan(0.5)
    const d = score(ask(CHAT))
    const sum = Object.entries(d.features).filter(([k]) => k.startsWith('type_')).reduce((a, [, v]) => a + v, 0)
    expect(sum).toBeCloseTo(1, 3)
  })

  it('counts multi-step constraints and requests for long or creative output', () => {
    const f = dense('Write a detailed story of exactly 500 words. Each paragraph must mention a river, and at least two characters must argue.')
    expect(f.cue_creative).toBeGreaterThan(0)
    expect(f.cue_long).toBeGreaterThan(0)
    expect(f.cue_constraint).toBeGreaterThan(Math.log1p(2))
  })

  it('raises the score for tool definitions, attachments, long contexts and large output budgets', () => {
    const base = score(ask('Summarise this.')).score
    const tools = score(ask('Summarise this.', {
      tools: [{ type: 'function', function: { name: 'search', description: 'web search', parameters: { type: 'object' } } }],
    }))
    expect(tools.score).toBeGreaterThan(base)
    expect(tools.features.tools).toBe(1)
    const image = score(ask([{ type: 'text', text: 'Summarise this.' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }]))
    expect(image.score).toBeGreaterThan(base)
    expect(image.features.images).toBe(1)
    const context = 'The quarterly report covers revenue, costs and hiring across all regions. '.repeat(800)
    const long = score({ model: 'auto', messages: [{ role: 'system', content: context }, { role: 'user', content: 'Summarise this.' }] })
    expect(long.score).toBeGreaterThan(base)
    expect(long.features.context_words).toBeGreaterThan(8000)
    expect(score(ask('Summarise this.', { max_tokens: 16000 })).score).toBeGreaterThan(base)
  })

  it('scores the last user turn and reads code in earlier turns as context', () => {
    const followUp: ChatRequest = {
      model: 'auto',
      messages: [
        { role: 'user', content: CODE },
        { role: 'assistant', content: 'Here is a fix: ```python\ndef mean(xs):\n    return sum(xs) / max(1, len(xs))\n```' },
        { role: 'user', content: 'Thanks, now do the same for median.' },
      ],
    }
    expect(score(followUp).score).toBeGreaterThan(score(ask('Thanks, now do the same for median.')).score)
  })
})

describe('language coverage', () => {
  // The same grade-school problem (MGSM #1) and the same competition problem in English, Japanese and Chinese.
  const WORD_PROBLEM = {
    en: "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?",
    ja: 'ジャネットのアヒルは1日に16個の卵を生みます。ジャネットは毎朝朝食の一環で3個を消費し、毎日4個使って友達向けにマフィンを焼きます。残りを市場で1個あたり2ドルの価格で売ります。彼女は毎日市場でいくら手に入れていますか？',
    zh: '珍妮特的鸭子每天下 16 颗蛋。她每天早上早餐时吃 3 颗，每天用 4 颗为自己的朋友做松饼。剩下的鸭蛋她每天拿去农贸市场卖，每颗新鲜鸭蛋卖 2 美元。她每天在农贸市场赚多少钱？',
  }
  const HARD_MATH = {
    en: 'Find all positive integers $n$ such that $n^2 + 2^n$ is a perfect square, and prove that there are no others.',
    ja: '$n^2 + 2^n$ が平方数となるような正の整数 $n$ をすべて求め、それ以外に存在しないことを証明せよ。',
    zh: '求所有正整数 $n$，使得 $n^2 + 2^n$ 是完全平方数，并证明不存在其他的解。',
  }
  const CHIT_CHAT = { en: 'Hello! How are you today?', ja: 'こんにちは！今日は元気ですか？', zh: '你好！你今天好吗？' }

  it('puts translations of one problem on the same scale', () => {
    for (const set of [WORD_PROBLEM, HARD_MATH, CHIT_CHAT]) {
      const [en, ja, zh] = [set.en, set.ja, set.zh].map((t) => score(ask(t)).score)
      expect(Math.abs(en - ja)).toBeLessThan(0.15)
      expect(Math.abs(en - zh)).toBeLessThan(0.15)
      expect(Math.abs(ja - zh)).toBeLessThan(0.15)
    }
  })

  it('recognises a word problem as one in every language', () => {
    for (const t of [WORD_PROBLEM.en, WORD_PROBLEM.ja, WORD_PROBLEM.zh]) expect(score(ask(t)).features.type_word_problem).toBeGreaterThan(0.5)
  })

  it('counts CJK words on the scale of English words', () => {
    const words = (t: string) => Math.expm1(dense(t).words)
    const en = words(WORD_PROBLEM.en)
    for (const t of [WORD_PROBLEM.ja, WORD_PROBLEM.zh]) {
      expect(words(t) / en).toBeGreaterThan(0.7)
      expect(words(t) / en).toBeLessThan(1.4)
    }
  })

  it('scores hard Japanese and Chinese maths above trivial chat in the same language', () => {
    for (const lang of ['ja', 'zh'] as const) {
      const hard = score(ask(HARD_MATH[lang]))
      const chat = score(ask(CHIT_CHAT[lang]))
      expect(hard.score).toBeGreaterThan(chat.score + 0.2)
      expect(hard.tier).not.toBe('trivial')
      expect(chat.tier).toBe('trivial')
      expect(dense(HARD_MATH[lang]).cue_proof).toBeGreaterThan(0)
    }
  })
})

describe('determinism and bad input', () => {
  const valid = (d: Decision) => {
    expect(d.score).toBeGreaterThanOrEqual(0)
    expect(d.score).toBeLessThanOrEqual(1)
    expect(['trivial', 'medium', 'premium']).toContain(d.tier)
    expect(d.reasons.length).toBeGreaterThan(0)
    for (const v of Object.values(d.features)) expect(Number.isFinite(v)).toBe(true)
  }

  it('gives the same decision for the same request', () => {
    expect(score(ask(COMPETITION))).toEqual(score(ask(COMPETITION)))
    expect(score(JSON.parse(JSON.stringify(ask(CODE))))).toEqual(score(ask(CODE)))
  })

  it('handles empty content, non-text parts only, and no user turn', () => {
    valid(score(ask('')))
    valid(score(ask([])))
    valid(score(ask([{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }])))
    valid(score(ask([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }, { type: 'file', file: {} }])))
    valid(score({ model: 'auto', messages: [{ role: 'system', content: 'You are terse.' }] }))
    valid(score({ model: 'auto', messages: [{ role: 'assistant', content: null }] }))
    valid(score({ model: 'auto', messages: [{ role: 'function', name: 'f', content: null }] }))
  })

  it('finishes on a 1 MB prompt', () => {
    const d = score(ask('x = 1 + 2; // 漢字 テスト $\\frac{a}{b}$\n'.repeat(30_000).slice(0, 1_000_000)))
    valid(d)
  })

  it('never throws on arbitrary text, including lone surrogates and control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ maxLength: 100 }), (a, b) => {
        valid(score({ model: 'auto', messages: [{ role: 'system', content: b }, { role: 'user', content: [{ type: 'text', text: a }] }] }))
      }),
      { numRuns: 300 },
    )
  })
})

describe('task-type stage', () => {
  /** The definition: every token adds its bucket's weights / sqrt(tokens), one token at a time. */
  const reference = (hashes: number[], w: Weights): number[] => {
    const logits = new Float64Array(TASK_TYPES.length)
    for (let t = 0; t < TASK_TYPES.length; t++) logits[t] = w.types.bias[t]
    for (let t = 0; t < TASK_TYPES.length; t++) for (let i = 0; i < N_DENSE; i++) logits[t] += w.types.dense[t * N_DENSE + i] * -w.mean[i] / w.scale[i]
    for (const h of hashes) for (let t = 0; t < TASK_TYPES.length; t++) logits[t] += w.types.hashed[bucketOf(h, w.buckets) * TASK_TYPES.length + t] / Math.sqrt(hashes.length)
    return [...softmax(logits)]
  }
  const extracted = (hashes: number[]) => ({ ...extract(ask('')), dense: new Float64Array(N_DENSE), hashes })

  it('equals the token-by-token sum, call after call, for any bucket count (its per-bucket scratch is left clean)', () => {
    const odd: Weights = { ...WEIGHTS, buckets: 97, types: { ...WEIGHTS.types, hashed: WEIGHTS.types.hashed.slice(0, 97 * TASK_TYPES.length) } }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 600 }), fc.boolean(), (hashes, useOdd) => {
        const w = useOdd ? odd : WEIGHTS
        const got = [...taskTypes(extracted(hashes), w)]
        const want = reference(hashes, w)
        for (let t = 0; t < got.length; t++) expect(got[t]).toBeCloseTo(want[t], 12)
      }),
      { numRuns: 300 },
    )
  })

  it('maps a hash to the same bucket as the modulo the trainer uses', () => {
    for (const h of [0, 1, -1, 255, 256, -(2 ** 31), 2 ** 31 - 1, 0x9e3779b9 | 0]) {
      expect(bucketOf(h, 256)).toBe((h >>> 0) % 256)
      expect(bucketOf(h, 97)).toBe((h >>> 0) % 97)
    }
  })
})

describe('tiers and reasons', () => {
  it('maps a score to a tier at the thresholds (inclusive lower bounds)', () => {
    const t = { medium: 0.3, premium: 0.6 }
    expect(tierOf(0.2999, t)).toBe('trivial')
    expect(tierOf(0.3, t)).toBe('medium')
    expect(tierOf(0.5999, t)).toBe('medium')
    expect(tierOf(0.6, t)).toBe('premium')
    expect(DEFAULT_THRESHOLDS.medium).toBeLessThan(DEFAULT_THRESHOLDS.premium)
  })

  it('applies caller thresholds (a tenant override) without changing the score', () => {
    const d = score(ask(CODE))
    expect(score(ask(CODE), { medium: 0, premium: 0 }).tier).toBe('premium')
    expect(score(ask(CODE), { medium: 1.01, premium: 1.01 }).tier).toBe('trivial')
    expect(score(ask(CODE), { medium: 0, premium: 1.01 }).tier).toBe('medium')
    expect(score(ask(CODE), { medium: 0, premium: 0 }).score).toBe(d.score)
  })

  it('writes a compact, header-safe reason', () => {
    for (const text of [CHAT, CODE, COMPETITION, 'なぜ空は青いのですか？詳しく説明してください。']) {
      const d = score(ask(text))
      const r = compactReason(d)
      expect(r.length).toBeLessThanOrEqual(120)
      expect(r).toMatch(/^[\x20-\x7e]+$/)
      expect(r.startsWith(`${d.tier} ${d.score.toFixed(2)}`)).toBe(true)
    }
    const long: Decision = { score: 0.5, tier: 'medium', features: {}, reasons: ['é'.repeat(50), 'x'.repeat(200), 'ok'] }
    expect(compactReason(long).length).toBeLessThanOrEqual(120)
  })
})
