import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { compactReason, DEFAULT_THRESHOLDS, FEATURES, score, tierOf, type Decision } from '../../src/scoring'
import { combine, inputs, N_INPUTS, WORD_KNOTS, WORD_STEP } from '../../src/scoring/model'
import { CONCEPTS } from '../../src/scoring/concepts'
import { extract, FAMILIES, MATERIAL_WEIGHT, splitInstruction } from '../../src/scoring/features'
import { fingerprint } from '../../src/scoring/model'
import { WEIGHTS } from '../../src/scoring/weights'
import type { ChatRequest } from '../../src/openai/request'

const ask = (content: ChatRequest['messages'][number]['content'], extra: Partial<ChatRequest> = {}): ChatRequest =>
  ({ model: 'auto', messages: [{ role: 'user', content }], ...extra }) as ChatRequest
const feature = (req: ChatRequest, name: string): number => extract(req).dense[FEATURES.indexOf(name)]
const f = (text: string, name: string): number => feature(ask(text), name)

describe('demand signals (one family at a time)', () => {
  // realistic requests; each must light its family
  const DEMANDS: [string, string][] = [
    ['d_proof', 'Prove that every finite group of prime order is cyclic.'],
    ['d_math', 'What is the probability that two dice sum to a prime?'],
    ['d_competition', 'Find all positive integers n such that n^2 + 1 divides 2^n + 1.'],
    ['d_reasoning', 'A train leaves at 9:00 at 80 km/h. Show your reasoning step by step.'],
    ['d_implement', 'Implement an LRU cache in TypeScript with unit tests.'],
    ['d_build', 'code a framework for multiple traveling salesman optimization in python using DEAP'],
    ['d_debug', "My script fails with a KeyError and I can't find the bug."],
    ['d_output', 'What is the output of this snippet?\n```python\nprint(sorted({3: 1, 1: 2}))\n```'],
    ['d_systems', 'Write a lock-free MPMC queue in C++ and argue why it is free of ABA.'],
    ['d_design', 'Design a multi-region database migration with zero downtime and explain the trade-offs.'],
    ['d_legal', 'Is our CV-screening chatbot a high-risk system under the EU AI Act, and does GDPR Article 22 apply?'],
    ['d_medical', 'A 72-year-old on warfarin presents with confusion and an INR of 6.2. Differential diagnosis?'],
    ['d_finance', 'Compare the tax consequences of an asset deal versus a share deal for the seller.'],
    ['d_analysis', 'Analyse the pros and cons of both approaches.'],
    ['d_long', 'Write a detailed 3,000-word report on the incident.'],
    ['d_creative', 'Write the first chapter of a novel in the style of Virginia Woolf.'],
    ['d_constraint', 'Each person must work at least two days and at most four.'],
    ['d_agentic', "Book me the cheapest flight, and if nothing fits, change plans."],
    ['d_research', 'Is P=NP? Give the strongest arguments each way, with references to the literature.'],
  ]
  for (const [family, text] of DEMANDS) {
    it(`${family}: "${text.slice(0, 50)}…"`, () => {
      expect(f(text, family)).toBeGreaterThan(0)
      expect(score(ask(text)).score).toBeGreaterThan(score(ask('Hi! Thanks a lot.')).score)
    })
  }

  // the requests issue 13 found on the 3B model, and short requests whose demand is hard
  const HARD: [string, 'medium' | 'premium'][] = [
    ['Prove that √2 is irrational.', 'medium'],
    ['Prove there is no largest prime.', 'medium'],
    ['Find all integer solutions of x^2 - 2y^2 = 1.', 'medium'],
    ['Implement an LRU cache in TypeScript with unit tests.', 'medium'],
    ['Write a streaming CSV parser in Rust that handles quoted fields with embedded commas and newlines, with unit tests.', 'medium'],
    ['Design a globally distributed rate limiter for 5M requests/s across 300 edge locations, with consistency and failure trade-offs.', 'premium'],
    ['Write a lock-free MPMC queue in C++ and argue why it is free of the ABA problem.', 'premium'],
    ['Analyse whether our HR chatbot that screens CVs is a high-risk system under the EU AI Act, and what GDPR obligations apply (DPIA, Article 22, transparency).', 'premium'],
    ['Is P=NP? Give the strongest arguments each way, with references to the literature.', 'premium'],
  ]
  // one-line requests whose demand is in the vocabulary: threads, crawlers, middleware; a large power's remainder
  const BUILD = [
    'write a multithreaded web crawler in Python with resume support',
    'Pythonでマルチスレッドのクローラーを書いて。途中から再開できるように',
    '用Python写一个多线程爬虫，支持断点续传',
    'go写个令牌桶限流中间件 给gin用',
    'Find the last three digits of 2^2024.',
    '3^2025 を 1000 で割った余りを求めよ。',
    '求 2^2024 除以 1000 的余数，要过程',
  ]
  for (const text of BUILD) {
    it(`routes "${text.slice(0, 40)}…" above trivial`, () => {
      expect(score(ask(text)).tier).not.toBe('trivial')
    })
  }
  for (const [text, tier] of HARD) {
    it(`routes "${text.slice(0, 50)}…" to ${tier}`, () => {
      expect(score(ask(text)).tier).toBe(tier)
    })
  }

  const EASY: [string, string][] = [
    ['e_greet', "Hi! How's your day going?"],
    ['e_rewrite', 'Make this email sound more polite: "Send me the report today."'],
    ['e_translate', 'Translate into English: "La réunion est déplacée à jeudi."'],
    ['e_extract', 'Is this review positive or negative? "The battery died after two days."'],
    ['e_short_creative', 'Write a short, warm birthday message for my coworker Anna.'],
    ['e_brief', 'What is a lock-free queue, in one sentence?'],
  ]
  for (const [family, text] of EASY) {
    it(`${family}: "${text.slice(0, 50)}…" stays trivial`, () => {
      expect(f(text, family)).toBeGreaterThan(0)
      expect(score(ask(text)).tier).toBe('trivial')
    })
  }

  it('scores a demand above the same topic asked as a lookup (traps in both directions)', () => {
    expect(score(ask('Prove there is no largest prime.')).tier).not.toBe('trivial')
    expect(score(ask("Who proved Fermat's Last Theorem?")).tier).toBe('trivial')
    expect(score(ask('What does GDPR stand for?')).tier).toBe('trivial')
    expect(score(ask("Translate 'the contract is void' into French")).tier).toBe('trivial')
    expect(score(ask('What is a lock-free queue, in one sentence?')).score)
      .toBeLessThan(score(ask('Write a lock-free MPMC queue in C++ and argue why it is free of the ABA problem.')).score)
  })

  it('sees code, stack traces, LaTeX and lettered options in the structure', () => {
    const trace = 'Traceback (most recent call last):\n  File "a.py", line 3, in <module>\nZeroDivisionError: division by zero'
    expect(f(trace, 'stack_trace')).toBeGreaterThan(0)
    // an exception's name is an error report in any language; the word "error" alone is not
    expect(f('线上一直报 java.lang.OutOfMemoryError: Metaspace 怎么排查', 'stack_trace')).toBeGreaterThan(0)
    expect(f('IllegalStateExceptionが出ます', 'stack_trace')).toBeGreaterThan(0)
    expect(f('an error occurred, what does it mean?', 'stack_trace')).toBe(0)
    expect(f('∫ x / (x² + 2x + 5) dx を求めてください。', 'd_math')).toBeGreaterThan(0) // integral notation
    expect(f('```js\nconst x = 1;\n```', 'code_fence')).toBe(1)
    expect(f('Solve $x^2 = \\frac{1}{2}$.', 'latex')).toBeGreaterThan(0)
    expect(f('It costs $20 and $5.', 'dollars')).toBe(0)
    expect(f('Which is prime?\nA. 4\nB. 6\nC. 7\nD. 9', 'mcq')).toBe(1)
  })
})

describe('concept matching', () => {
  it('matches Latin cues on word boundaries only', () => {
    expect(f('hi there', 'e_greet')).toBeGreaterThan(0)
    expect(f('this history is long', 'e_greet')).toBe(0) // "hi" inside words
    expect(f('hi', 'e_greet')).toBeGreaterThan(0) // at the very start and end of a text
  })

  it('folds case and accents, and matches stems and multi-word cues across punctuation', () => {
    expect(f('DÉMONTREZ que la suite converge.', 'd_proof')).toBeGreaterThan(0)
    expect(f('demontrez que la suite converge.', 'd_proof')).toBeGreaterThan(0)
    expect(f('Beweisen Sie den Satz.', 'd_proof')).toBeGreaterThan(0) // stem beweis*
    expect(f('a lock-free queue', 'd_systems')).toBeGreaterThan(0) // "lock free" across a hyphen
  })

  it('matches CJK and Hangul cues as substrings, also next to Latin text', () => {
    expect(f('√2が無理数であることを証明せよ。', 'd_proof')).toBeGreaterThan(0)
    expect(f('用Rust实现一个LRU缓存', 'd_implement')).toBeGreaterThan(0)
    expect(f('이 정리를 증명하시오', 'd_proof')).toBeGreaterThan(0)
    expect(f('APIを実装して', 'd_implement')).toBeGreaterThan(0)
  })

  it('reads a derivation as a proof demand, in every language', () => {
    for (const text of ['Derive the closed form of the Fibonacci numbers.', 'Leiten Sie die Formel her.', 'Dérivez la formule.', 'オイラーの公式を導出して', '推导贝叶斯公式', '공식을 유도하시오']) {
      expect(f(text, 'd_proof'), text).toBeGreaterThan(0)
    }
  })

  it('counts a request to make something only with code vocabulary (d_build)', () => {
    const software = ['code a snake game in pygame', '用Python写一个多线程爬虫', 'Reactでカスタムフックを書いて', '파이썬으로 크롤러 코드를 작성해 줘']
    for (const text of software) expect(f(text, 'd_build'), text).toBeGreaterThan(0)
    for (const text of ['write a birthday message for my aunt', '帮我写一首关于春天的诗']) expect(f(text, 'd_build'), text).toBe(0)
  })

  it('has no easy-sign CJK cue that hides inside common words (CJK cues match as substrings)', () => {
    expect(f('兄が弟に初めて追いつくのは何分後？', 'e_lookup')).toBe(0) // いつ inside 追いつく
    expect(f('请给出最好的方案', 'e_greet')).toBe(0) // 好的 inside 最好的
    expect(f('我想了解一下分布式事务', 'e_greet')).toBe(0) // 了解: to learn about
    expect(f('부정적분을 계산하시오', 'e_extract')).toBe(0) // 부정 inside 부정적분
    expect(f('会議はいつですか？', 'e_lookup')).toBeGreaterThan(0)
  })

  it('does not read signs of an easy request inside a pasted code fence', () => {
    const code = '```python\ndef add_tag(tag, tags=[]):\n    tags.append(tag)\n    return tags  # birthday\n```'
    expect(f(`Review this for real bugs:\n${code}`, 'e_extract')).toBe(0)
    expect(f(`Review this for real bugs:\n${code}`, 'e_short_creative')).toBe(0)
    expect(f(`${code}\nNow tag each line and write a birthday message.`, 'e_extract')).toBeGreaterThan(0) // after the fence closes
    expect(f('tag these reviews as positive or negative', 'e_extract')).toBeGreaterThan(0)
  })

  it('has no Latin-script cue that folds to a single letter (digits and punctuation fold to spaces: "401k" would match any "4k")', () => {
    const cjk = /[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/ // a CJK or Hangul character is a word on its own
    for (const family of FAMILIES) {
      for (const cue of (CONCEPTS[family] as readonly string[]).filter((c) => !cjk.test(c))) {
        expect(cue.replace(/\*$/, '').replace(/[^\p{L}]+/gu, '').length, `${family}: ${cue}`).toBeGreaterThanOrEqual(2)
      }
    }
    expect(f('Prove that there are infinitely many primes of the form 4k+3.', 'd_finance')).toBe(0)
  })

  it('has concept lists for every family in all seven languages', () => {
    // ja and zh share Han characters, so a family needs Han or kana cues, Hangul cues and Latin-script cues
    const scripts = { 'ja/zh': /[\u3040-\u30ff\u4e00-\u9fff]/, ko: /[\uac00-\ud7af]/, latin: /^[^\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]+$/ }
    for (const family of FAMILIES) {
      const cues: readonly string[] = CONCEPTS[family]
      for (const [lang, re] of Object.entries(scripts)) expect(cues.some((c) => re.test(c)), `${family} ${lang}`).toBe(true)
      expect(cues.length, family).toBeGreaterThanOrEqual(7)
    }
  })
})

describe('seven languages', () => {
  const PROOF = {
    en: 'Prove that √2 is irrational.', es: 'Demuestra que √2 es irracional.', de: 'Beweise, dass √2 irrational ist.',
    fr: 'Démontrez que √2 est irrationnel.', ja: '√2が無理数であることを証明してください。', zh: '证明√2是无理数。', ko: '√2가 무리수임을 증명하시오.',
  }
  const DESIGN = {
    en: 'Design a globally distributed rate limiter for 5M requests/s across 300 edge locations, with consistency and failure trade-offs.',
    es: 'Diseña un limitador de tasa distribuido globalmente para 5M de peticiones/s en 300 ubicaciones edge, con compensaciones de consistencia y fallos.',
    de: 'Entwirf einen global verteilten Rate Limiter für 5 Mio. Anfragen/s an 300 Edge-Standorten, mit Abwägungen zu Konsistenz und Ausfällen.',
    fr: 'Concevez un limiteur de débit distribué mondialement pour 5M requêtes/s sur 300 sites edge, avec les compromis de cohérence et de panne.',
    ja: '300拠点のエッジで毎秒500万リクエストを捌く、グローバルに分散したレートリミッタを設計してください。一貫性と障害時のトレードオフも含めて。',
    zh: '为300个边缘节点、每秒500万请求设计一个全球分布式限流器，并说明一致性与故障处理的权衡。',
    ko: '300개 엣지 로케이션에서 초당 500만 요청을 처리하는 전역 분산 레이트 리미터를 설계하고, 일관성과 장애의 트레이드오프를 설명하세요.',
  }
  const GREETING = {
    en: 'Hi! How are you today?', es: '¡Hola! ¿Qué tal tu día?', de: 'Hallo! Wie geht es dir heute?', fr: 'Salut ! Ça va aujourd’hui ?',
    ja: 'こんにちは！今日は元気？', zh: '你好！今天过得怎么样？', ko: '안녕! 오늘 하루 어때?',
  }
  const LOOKUP = {
    en: 'What is the capital of Australia?', es: '¿Cuál es la capital de Australia?', de: 'Was ist die Hauptstadt von Australien?',
    fr: 'Quelle est la capitale de l’Australie ?', ja: 'オーストラリアの首都はどこですか？', zh: '澳大利亚的首都是哪里？', ko: '호주의 수도는 어디야?',
  }

  for (const lang of Object.keys(PROOF) as (keyof typeof PROOF)[]) {
    it(`${lang}: a proof and a design are not trivial, a greeting and a lookup are`, () => {
      expect(feature(ask(PROOF[lang]), 'd_proof')).toBeGreaterThan(0)
      expect(score(ask(PROOF[lang])).tier).not.toBe('trivial')
      expect(feature(ask(DESIGN[lang]), 'd_design')).toBeGreaterThan(0)
      expect(score(ask(DESIGN[lang])).tier).not.toBe('trivial')
      expect(score(ask(GREETING[lang])).tier).toBe('trivial')
      expect(score(ask(LOOKUP[lang])).tier).toBe('trivial')
    })
  }

  it('puts translations of one request on the same scale', () => {
    for (const set of [PROOF, DESIGN, GREETING]) {
      const scores = Object.values(set).map((t) => score(ask(t)).score)
      expect(Math.max(...scores) - Math.min(...scores)).toBeLessThan(0.2)
    }
  })

  it('counts CJK words on the scale of English words', () => {
    const words = (t: string) => Math.expm1(f(t, 'words'))
    const en = words(DESIGN.en)
    for (const t of [DESIGN.ja, DESIGN.zh]) {
      expect(words(t) / en).toBeGreaterThan(0.6)
      expect(words(t) / en).toBeLessThan(1.5)
    }
  })
})

describe('the whole request: conversation, system prompt, tools, attachments', () => {
  const DESIGN_TURNS: ChatRequest['messages'] = [
    { role: 'system', content: 'You are a principal engineer reviewing architecture proposals.' },
    { role: 'user', content: 'Design a globally distributed rate limiter for 5M requests/s across 300 edge locations.' },
    { role: 'assistant', content: 'Here is a design: token buckets per edge, a gossip layer for global counts, and a regional aggregator...' },
  ]

  it('scores a follow-up in the context of the conversation', () => {
    const followUp = 'Now handle a full region outage.'
    const inContext = score({ model: 'auto', messages: [...DESIGN_TURNS, { role: 'user', content: followUp }] })
    expect(inContext.features.ctx_turns).toBeGreaterThan(0)
    expect(inContext.features.d_design).toBeGreaterThan(0) // carried over from the conversation (half weight)
    expect(inContext.score).toBeGreaterThan(score(ask(followUp)).score)
    expect(inContext.tier).not.toBe('trivial')
  })

  it('counts demands of earlier turns at half weight and ignores their easy signals', () => {
    const long = 'Thank you. Now I would like a short summary of the argument above that I can read out to my study group tomorrow morning, in plain words and in the same order.'
    const ctx = score({ model: 'auto', messages: [{ role: 'user', content: 'Prove it.' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: long }] })
    const own = score(ask('Prove it.'))
    expect(ctx.features.d_proof).toBeCloseTo(Math.log1p(0.5), 4)
    expect(own.features.d_proof).toBeCloseTo(Math.log1p(1), 4)
    const thanks = score({ model: 'auto', messages: [{ role: 'user', content: 'Hi, thanks!' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Analyse the risks.' }] })
    expect(thanks.features.e_greet).toBe(0)
  })

  // A bare follow-up ("ok continue") after a hard turn is that hard task; closing small talk is not.
  const PROOF_TURNS: Record<string, [string, string, string, string]> = {
    en: ['Prove that there are infinitely many primes of the form 4k+3.', 'Suppose there are finitely many, p1, ..., pk. Consider N = 4·p1···pk − 1.', 'ok continue', 'thanks, that is all!'],
    ja: ['形が4k+3の素数が無限に存在することを証明してください。', '有限個しかないと仮定し、N = 4p1…pk − 1 を考えます。', '続けて', 'ありがとう！'],
    zh: ['证明：有无穷多个形如4k+3的素数。', '假设只有有限个，记为p1,…,pk，令N = 4p1…pk − 1。', '继续', '谢谢！'],
  }
  for (const [lang, [task, reply, more, thanks]] of Object.entries(PROOF_TURNS)) {
    it(`${lang}: a bare follow-up inherits the conversation's demand in full; a thank-you inherits none`, () => {
      const turn = (last: string): ChatRequest => ({ model: 'auto', messages: [{ role: 'user', content: task }, { role: 'assistant', content: reply }, { role: 'user', content: last }] })
      const own = Math.expm1(f(task, 'd_proof'))
      expect(own).toBeGreaterThan(0)
      const go = score(turn(more))
      expect(go.features.d_proof).toBeCloseTo(Math.log1p(own), 4)
      expect(go.tier).not.toBe('trivial')
      expect(go.score).toBeGreaterThan(score(ask(more)).score)
      const done = score(turn(thanks))
      expect(done.features.d_proof).toBe(0) // small talk with no demand of its own closes the conversation
      expect(done.score).toBeLessThan(go.score)
    })
  }

  // A turn that changes the topic stands alone: a lookup after a hard task is a lookup; a demand of its own still counts.
  const SWITCHES: Record<string, [string, string]> = {
    en: ['ok, I will read that later. Unrelated question: what time zone is Denver in?', 'Unrelated, but prove that there is no largest prime.'],
    ja: ['なるほど、あとで読みます。ところで東京とロンドンの時差って何時間？', 'ところで、素数が無限に存在することを証明して。'],
    zh: ['好的我再看看。换个话题，纽约现在跟北京差几个小时？', '顺便问一下，证明素数有无穷多个。'],
  }
  for (const [lang, [lookup, proof]] of Object.entries(SWITCHES)) {
    it(`${lang}: a turn that changes the topic inherits neither the conversation's demands nor its length`, () => {
      const [task, reply] = PROOF_TURNS[lang]
      const turn = (last: string): ChatRequest => ({ model: 'auto', messages: [{ role: 'user', content: task }, { role: 'assistant', content: reply }, { role: 'user', content: last }] })
      const switched = score(turn(lookup))
      const alone = score(ask(lookup))
      expect(switched.features.d_proof).toBe(0)
      for (const name of FEATURES.filter((n) => n.startsWith('d_') || n === 'words' || n === 'stack_trace')) {
        expect(switched.features[name], name).toBe(alone.features[name]) // only ctx_words, ctx_turns differ
      }
      expect(switched.tier).toBe('trivial')
      const own = score(turn(proof))
      expect(own.features.d_proof).toBeCloseTo(f(proof, 'd_proof'), 4) // its own demand, nothing carried over
      expect(own.tier).not.toBe('trivial')
    })
  }

  // "make it funnier" after "a short card message" reshapes an easy answer; "ok continue" after a proof continues it
  const RESHAPE: Record<string, [string, string, string]> = {
    en: ['Can you write a short message for a retirement card? Linda, 31 years in accounting, loves gardening.', 'Dear Linda, after 31 wonderful years it is time to trade spreadsheets for seed packets!', 'love it. can you make it a bit funnier?'],
    ja: ['妹の誕生日に送る短いメッセージを考えて。今年二十歳で、ガーデニングが好き。', 'はたちのお誕生日おめでとう！素敵な一年になりますように。', 'いいね！もうちょっと面白くして'],
    zh: ['帮我写一条简短的退休贺卡祝福，给财务部的琳达，她干了31年，喜欢园艺。', '琳达，31年辛苦了！祝您退休生活像花园一样繁花似锦。', '不错！再幽默一点'],
  }
  for (const [lang, [task, reply, more]] of Object.entries(RESHAPE)) {
    it(`${lang}: a follow-up that only reshapes an easy answer stays easy`, () => {
      const req: ChatRequest = { model: 'auto', messages: [{ role: 'user', content: task }, { role: 'assistant', content: reply }, { role: 'user', content: more }] }
      const d = score(req)
      for (const name of FEATURES.filter((n) => n.startsWith('d_'))) expect(d.features[name], name).toBe(f(more, name)) // nothing carried over
      expect(d.features.e_short_creative).toBeGreaterThan(f(more, 'e_short_creative')) // the task's easy sign carries
      expect(d.tier).toBe('trivial')
    })
  }

  it('counts the words of earlier user turns at half weight in the prompt length', () => {
    const task = 'A shop sells apples in bags of 6, 9 and 20. Which numbers of apples can be bought exactly?'
    const alone = feature(ask('and the largest one you cannot?'), 'words')
    const inContext = feature({ model: 'auto', messages: [{ role: 'user', content: task }, { role: 'assistant', content: 'Let me see.' }, { role: 'user', content: 'and the largest one you cannot?' }] }, 'words')
    expect(Math.expm1(inContext) - Math.expm1(alone)).toBeCloseTo(0.5 * Math.expm1(f(task, 'words')), 4)
  })

  it('reads tool definitions and tool use already in the conversation', () => {
    const tools = ['search_flights', 'search_hotels', 'book'].map((name) => ({ type: 'function' as const, function: { name, parameters: { type: 'object' } } }))
    const text = 'Book me the cheapest trip to Lisbon next month for 3 nights, flight under 300 EUR, hotel near the centre, and change plans if nothing fits.'
    const withTools = score(ask(text, { tools }))
    expect(withTools.features.tools).toBe(3)
    expect(withTools.features.tool_defs).toBeGreaterThan(0)
    expect(withTools.score).toBeGreaterThan(score(ask(text)).score)
    const midway = score({
      model: 'auto', tools,
      messages: [
        { role: 'user', content: text },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'search_flights', arguments: '{"to":"LIS"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '[]' },
      ],
    } as ChatRequest)
    expect(midway.features.tool_turns).toBeGreaterThan(0)
  })

  it('raises the score for attachments and large output budgets', () => {
    const base = score(ask('Summarise this.')).score
    const image = score(ask([{ type: 'text', text: 'Summarise this.' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }]))
    expect(image.features.images).toBe(1)
    expect(image.score).toBeGreaterThan(base)
    expect(score(ask('Summarise this.', { max_tokens: 16000 })).score).toBeGreaterThan(base)
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
    const req = ask('Write a lock-free MPMC queue in C++ and argue why it is free of the ABA problem.')
    expect(score(req)).toEqual(score(JSON.parse(JSON.stringify(req))))
    // and does not depend on what was scored before (the scanner's scratch state is reset)
    const before = score(req)
    score(ask('证明√2是无理数。'.repeat(50)))
    expect(score(req)).toEqual(before)
  })

  it('handles empty content, non-text parts only, odd parts and no user turn', () => {
    valid(score(ask('')))
    valid(score(ask([])))
    valid(score(ask([{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }])))
    valid(score(ask([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }, { type: 'file', file: {} }])))
    valid(score(ask([null, 5, { type: 'text' }, { type: 'mystery', text: 'x' }] as never)))
    valid(score({ model: 'auto', messages: [{ role: 'system', content: 'You are terse.' }] }))
    valid(score({ model: 'auto', messages: [{ role: 'assistant', content: null }] }))
    valid(score({ model: 'auto', messages: [] } as unknown as ChatRequest))
    valid(score({ model: 'auto' } as unknown as ChatRequest))
  })

  it('finishes on a 1 MB prompt', () => {
    valid(score(ask('x = 1 + 2; // 漢字 テスト 증명 $\\frac{a}{b}$ prove that\n'.repeat(30_000).slice(0, 1_000_000))))
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

describe('tiers and reasons', () => {
  it('ships weights made for this feature set', () => {
    expect(WEIGHTS.features).toBe(fingerprint())
    const m = WEIGHTS.mix
    expect(0 < m.gate && m.gate < 1 && 0 < m.pgate && m.pgate < 1).toBe(true)
    expect(0 < m.floor && m.floor < m.pfloor && m.pfloor < 1).toBe(true)
  })

  it('combines the heads in three bands: nt leaves trivial, prem reaches premium, gain orders within', () => {
    const { gate, floor, pgate, pfloor } = WEIGHTS.mix
    // below the gate the nt head alone places a request (the default medium cut lies inside this band), whatever
    // the other heads say
    expect(combine(WEIGHTS, gate - 0.01, 1, 1)).toBeLessThan(floor)
    // above the gate: the medium band unless the prem head says premium adds quality
    expect(combine(WEIGHTS, gate, 0, 0)).toBe(floor)
    expect(combine(WEIGHTS, 1, 0.99, pgate - 0.01)).toBeLessThan(pfloor)
    expect(combine(WEIGHTS, 1, 0, pgate)).toBe(pfloor)
    expect(combine(WEIGHTS, 1, 0, pgate)).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.premium)
    // non-decreasing in every head
    fc.assert(fc.property(fc.float({ min: 0, max: 1, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }), (nt, g, p, d) => {
      const s = combine(WEIGHTS, nt, g, p)
      return s >= 0 && s <= 1 && combine(WEIGHTS, Math.min(1, nt + d), g, p) >= s && combine(WEIGHTS, nt, Math.min(1, g + d), p) >= s && combine(WEIGHTS, nt, g, Math.min(1, p + d)) >= s
    }), { numRuns: 500 })
  })

  it('gives the gain head the prompt length as a piecewise-linear curve, flat beyond the last knot', () => {
    const dense = new Float64Array(FEATURES.length)
    const ramps = (words: number) => {
      dense[FEATURES.indexOf('words')] = words
      return Array.from(inputs(dense).subarray(FEATURES.length))
    }
    expect(inputs(dense).length).toBe(N_INPUTS)
    expect(WEIGHTS.gain.w.length).toBe(N_INPUTS)
    expect(WEIGHTS.nt.w.length).toBe(FEATURES.length) // nt and prem read the dense features only
    expect(ramps(3.2)).toEqual(WORD_KNOTS.map((k) => Math.min(WORD_STEP, Math.max(0, 3.2 - k))))
    expect(ramps(0)).toEqual(WORD_KNOTS.map(() => 0))
    expect(ramps(12)).toEqual(ramps(WORD_KNOTS[WORD_KNOTS.length - 1] + WORD_STEP)) // a long document does not extrapolate
  })

  it('maps a score to a tier at the thresholds (inclusive lower bounds)', () => {
    const t = { medium: 0.3, premium: 0.6 }
    expect(tierOf(0.2999, t)).toBe('trivial')
    expect(tierOf(0.3, t)).toBe('medium')
    expect(tierOf(0.5999, t)).toBe('medium')
    expect(tierOf(0.6, t)).toBe('premium')
    expect(DEFAULT_THRESHOLDS.medium).toBeLessThan(DEFAULT_THRESHOLDS.premium)
  })

  it('applies caller thresholds (a tenant override) without changing the score', () => {
    const req = ask('Prove that √2 is irrational.')
    const d = score(req)
    expect(score(req, { medium: 0, premium: 0 }).tier).toBe('premium')
    expect(score(req, { medium: 1.01, premium: 1.01 }).tier).toBe('trivial')
    expect(score(req, { medium: 0, premium: 0 }).score).toBe(d.score)
  })

  it('names the demand behind a decision, and writes a compact, header-safe reason', () => {
    const d = score(ask('Prove that every finite group of prime order is cyclic.'))
    expect(d.reasons).toContain('proof')
    const easy = score(ask('Translate into English: "Das Treffen ist verschoben."'))
    expect(easy.reasons).toContain('translation')
    const r = compactReason(score(ask('证明√2是无理数。')))
    expect(r.length).toBeLessThanOrEqual(120)
    for (let i = 0; i < r.length; i++) expect(r.charCodeAt(i)).toBeLessThan(127)
    expect(r).toMatch(/^(trivial|medium|premium) \d\.\d\d/)
  })
})

describe('an instruction and the material it works on', () => {
  const EMAIL = 'Hi Tom,\n\nSo I wanted to follow up on the floor plans from last week because honestly nobody has gotten back to me. ' +
    'We have been waiting since the 3rd, the contractor keeps asking me when they are coming, and I keep telling him I do not know. ' +
    'Can someone please just send them by Friday or tell me who is actually responsible?\n\nThanks, Priya'

  it('splits at a colon, a blank line or an opening quote near the start, or before a short last paragraph', () => {
    expect(splitInstruction(`Make this email more professional:\n\n${EMAIL}`)).toBe('Make this email more professional:'.length)
    expect(splitInstruction(`fix grammar only pls\n\n${EMAIL}`)).toBe('fix grammar only pls\n'.length)
    const quoted = `What is the date and place in this? "${EMAIL}"`
    expect(splitInstruction(quoted)).toBe(quoted.indexOf('"'))
    const tail = `${EMAIL.replace('\n\n', ' ')}\n\nmake this sound more polite`
    expect(splitInstruction(tail)).toBe(-(tail.lastIndexOf('\n\n') + 2))
    expect(splitInstruction('Make this more polite: see you at 5.')).toBe(0) // too short to be material
    expect(splitInstruction(EMAIL.replace(/[\n:]/g, ' '))).toBe(0) // one piece
  })

  it('counts material at MATERIAL_WEIGHT under an instruction that only transforms it, in full otherwise', () => {
    const transformed = f(`Make this email more professional and less annoyed:\n\n${EMAIL}`, 'words')
    const analysed = f(`Analyse the legal risks in this email:\n\n${EMAIL}`, 'words')
    const materialWords = Math.expm1(f(EMAIL, 'words'))
    expect(Math.expm1(analysed)).toBeGreaterThan(materialWords)
    expect(Math.expm1(transformed)).toBeLessThan(MATERIAL_WEIGHT * materialWords + 12)
  })

  // rewriting, shortening, fixing the grammar of a pasted text is a 3B model's job, however long the text
  const REWRITES: Record<string, string> = {
    en: `can you make this email more professional and less annoyed? keep all the facts the same\n\n${EMAIL}`,
    ja: '誤字脱字と変な日本語を直して。文体はそのままでOK\n\n今日は久しぶりに鎌倉にいってきました。朝早くに家をでたので、駅についたのは9時くらいで、まだ人もすくなくてとても快適ですた。' +
      'まずは鶴岡八幡宮にお参りして、そのあと小町通りを歩きながら食べ歩きをしましたた。しらすコロッケがすごくおいしくて、二個もたべてしまいました。' +
      '午後は江ノ電にのって長谷まで行き、大仏をみました。思ったよりおおきくて、写真をたくさんとりました。夕方には海をみながらカフェでゆっくりして、帰りの電車ではずっとねてました。',
    zh: '帮我把下面这封邮件改得更正式、更有条理一些，意思别变：\n\n张总您好：关于上周五提到的那个项目延期的事情我这边跟大家又对了一下，情况是这样的，因为供应商那边的芯片到货晚了差不多两周，' +
      '导致我们的样机组装没法按时开始，然后测试那边也跟着往后推了，所以原来定的11月30号交付肯定是赶不上了，我们估计最快也要到12月中旬。另外客户那边我还没敢说，想先跟您商量一下怎么跟他们沟通比较好。',
  }
  for (const [lang, text] of Object.entries(REWRITES)) {
    it(`${lang}: a rewrite of a pasted text goes to trivial`, () => {
      expect(splitInstruction(text)).toBeGreaterThan(0)
      expect(score(ask(text)).tier).toBe('trivial')
    })
  }

  it("reads a one-turn app call's system prompt as the instruction and the user turn as its material", () => {
    const app = "You are the 'Improve writing' feature of an email client. Rewrite the user's draft so it is clear, concise and professional. Return only the rewritten email."
    const d = score({ model: 'auto', messages: [{ role: 'system', content: app }, { role: 'user', content: EMAIL }] })
    expect(d.features.e_rewrite).toBeGreaterThan(0) // the app's instruction
    expect(Math.expm1(d.features.words)).toBeCloseTo(MATERIAL_WEIGHT * Math.expm1(f(EMAIL, 'words')), 4)
    expect(d.tier).toBe('trivial')
    // a system prompt that sets a style ("answer briefly") is no transformation: the user's request stands
    const style = 'You are a senior staff engineer. Answer briefly and precisely.'
    const design = 'Design a globally distributed rate limiter for 5M requests/s across 300 edge locations, including failure modes.'
    const hard = score({ model: 'auto', messages: [{ role: 'system', content: style }, { role: 'user', content: design }] })
    expect(hard.features.words).toBeCloseTo(f(design, 'words'), 4)
    expect(hard.tier).not.toBe('trivial')
    // nor is an agent's: with tools, "reply politely" is a rule of conduct and the user's turn is the task
    const agent = '你是电商平台的售后运营 Agent。你可以调用工具处理工单。规则：单笔退款超过 500 元需要先审批；对用户的回复需礼貌并说明处理结果。'
    const batch = '帮我处理今天这批投诉：工单 T20241107-031、T20241107-044、T20241107-052。每个都先查订单和物流，判断该退款、补发还是驳回，' +
      '处理完给每个用户发消息，最后给我一个汇总表。有查不到或者工具报错的要重试一次，还不行就标记人工处理。'
    const tools = ['get_order', 'get_tracking', 'refund', 'reship', 'send_message', 'request_approval'].map((name) => ({ type: 'function' as const, function: { name, parameters: { type: 'object' } } }))
    const work = score({ model: 'auto', tools, messages: [{ role: 'system', content: agent }, { role: 'user', content: batch }] })
    expect(work.features.words).toBeCloseTo(f(batch, 'words'), 4)
    expect(work.tier).not.toBe('trivial')
  })

  it('keeps a demand made about the material: debugging a pasted trace is not a rewrite', () => {
    const trace = 'Why does this crash and how do I fix it?\n\nTraceback (most recent call last):\n  File "app.py", line 42, in handle\n    total = sum(row["amount"] for row in rows)\nKeyError: \'amount\'\n' +
      'The rows come from a CSV export and sometimes the header row has a BOM in front of it, which I think changes the column name.'
    expect(splitInstruction(trace)).toBeGreaterThan(0)
    expect(f(trace, 'words')).toBeCloseTo(Math.log1p(Math.expm1(f(trace.replace(/\n\n/, ' '), 'words'))), 0)
    expect(score(ask(trace)).tier).not.toBe('trivial')
  })
})

describe('questions about a proof are lookups, not proofs', () => {
  const FACTS: Record<string, [string, string]> = {
    en: ["Who proved Fermat's Last Theorem?", "Prove Fermat's Last Theorem for n = 4."],
    ja: ['フェルマーの最終定理を証明したのは誰？', 'n = 4 のときのフェルマーの最終定理を証明して。'],
    zh: ['费马大定理最后是谁证明出来的？大概哪一年', '证明 n = 4 时的费马大定理。'],
    ko: ['페르마의 마지막 정리는 누가 증명했어요?', 'n = 4일 때 페르마의 마지막 정리를 증명해 주세요.'],
  }
  for (const [lang, [who, prove]] of Object.entries(FACTS)) {
    it(`${lang}: "who proved X" asks for a name; "prove X" asks for the proof`, () => {
      const lookup = score(ask(who))
      expect(lookup.features.d_proof).toBe(0)
      expect(lookup.tier).toBe('trivial')
      const proof = score(ask(prove))
      expect(proof.features.d_proof).toBeGreaterThan(0)
      expect(proof.tier).not.toBe('trivial')
    })
  }
})

