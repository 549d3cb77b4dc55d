/**
 * Feature extraction for the complexity scorer: one linear pass over each text, char codes only (no regex).
 *
 * Everything here is language-agnostic where it can be: character classes, structure (lines, lists, code
 * fences, LaTeX), digits and operators, and a CJK-aware word count (1.5 Han characters or 2.9 kana ≈ one
 * English word, fitted on the 250 aligned MGSM EN/JA/ZH problems). The script itself is not a feature. Small multilingual cue lists (EN/JA/ZH) add task
 * type signals (proof, constraints, creative writing, ...). Hashed Latin words feed a small hashed bag for
 * the learned model.
 *
 * @example
 * const f = extract({ model: 'auto', messages: [{ role: 'user', content: 'Prove that $\\sqrt 2$ is irrational.' }] })
 * f.dense[FEATURES.indexOf('latex')] // > 0
 */
import type { ChatRequest } from '../openai/request'

/** Names of the dense features, in vector order. Learned weights refer to them by position. */
export const FEATURES = [
  'words', //          log1p(CJK-aware words of the last user turn)
  'lines', //          log1p(non-empty lines)
  'digits', //         share of digits among non-space chars
  'numbers', //        log1p(number of digit runs)
  'bignum', //         longest digit run ≥ 4 (0..1)
  'operators', //      share of + - * / = < > ^ among non-space chars
  'latex', //          log1p(\commands)
  'dollars', //        log1p($ signs)
  'braces', //         log1p({ } [ ] _ ^)
  'code_fence', //     ``` present
  'code_tokens', //    log1p(code keywords / symbols such as def, return, =>, ;)
  'indent', //         share of lines starting with 2+ spaces or a tab
  'stack_trace', //    log1p(stack-trace markers)
  'mcq', //            lettered option lines (A. B. C. D.) ≥ 2
  'questions', //      log1p(? and ？)
  'sentences', //      log1p(sentence ends, incl. 。！？)
  'avg_word', //       mean Latin word length / 10
  'upper', //          share of upper-case among Latin letters
  'single_letters', // log1p(single-letter Latin words other than a/I: variables)
  'cue_proof', //      prove / show that / 証明 / 证明
  'cue_competition', // find all / determine / positive integers / 正の整数 / 正整数
  'cue_math', //       maths vocabulary (probability, integral, 確率, 概率, ...)
  'cue_reasoning', //  step by step / why / explain / なぜ / 为什么
  'cue_constraint', // must / exactly / at least / without / 必ず / 必须
  'cue_creative', //   story / poem / essay / imagine / 物語 / 故事
  'cue_code', //       implement / function / bug / 実装 / 实现
  'cue_simple', //     hello / thanks / translate / summarize / list / ありがとう / 你好
  'cue_analysis', //   compare / analyze / evaluate / 比較 / 分析
  'cue_long', //       detailed / comprehensive / words / 詳しく / 详细
] as const

export type FeatureName = (typeof FEATURES)[number]
export const N_DENSE = FEATURES.length

/** What the rest of the request says, beyond the last user turn. Weighted by hand (no training data has it). */
export interface ContextStats {
  /** CJK-aware words in system prompts, earlier turns and tool results. */
  contextWords: number
  /** Code fences / stack traces / LaTeX seen in the earlier context. */
  contextCode: number
  contextMath: number
  messages: number
  tools: number
  /** Characters of tool JSON schemas. */
  toolSchemaChars: number
  images: number
  audio: number
  files: number
  /** max_completion_tokens ?? max_tokens, 0 when unset. */
  maxTokens: number
  jsonSchema: boolean
}

export interface Extracted {
  /** Dense features of the last user turn, in FEATURES order. */
  dense: Float64Array
  /** Share of CJK characters among the last user turn's letters (reported, not scored). */
  cjkShare: number
  /**
   * 32-bit hashes of the last user turn's Latin words; may repeat. CJK text adds none: a vocabulary learned
   * from English rows would put JA/ZH on a different scale.
   */
  hashes: number[]
  context: ContextStats
}

// ---------- hashing ----------

/** FNV-1a step. */
const fnv = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193)
const FNV0 = 0x811c9dc5
/** Combines two token hashes into a bigram hash. */
const pair = (a: number, b: number): number => Math.imul(a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b), 0xc2b2ae35) | 0
/** Hash of a lower-case ASCII word or a string of CJK chars, as the scanner computes it. */
export function hashWord(w: string): number {
  let h = FNV0
  for (let i = 0; i < w.length; i++) h = fnv(h, w.charCodeAt(i))
  return h | 0
}
/** Hash of a CJK character bigram, as the scanner computes it. */
const hashCjk = (a: number, b: number): number => pair(a * 65537 + 17, b) | 0

// ---------- cue lists (small, multilingual) ----------

const CUE_FAMILIES = {
  cue_proof: ['prove', 'proof', 'show that', 'demonstrate that', 'lemma', 'theorem', '証明', '证明', '定理'],
  cue_competition: [
    'find all', 'determine', 'positive integers', 'positive integer', 'real numbers', 'relatively prime', 'how many ordered',
    'integers', 'least possible', 'greatest possible', 'minimum value', 'maximum value', 'sequence', 'polynomial',
    '正整数', '整数', '求め', '求所有', 'すべて', '最小値', '最大値', '最小值', '最大值', '数列', '多項', '多项',
  ],
  cue_math: [
    'probability', 'integral', 'derivative', 'matrix', 'prime', 'triangle', 'circle', 'equation', 'sum',
    'product', 'remainder', 'divisible', 'digits', 'percent', 'average', 'ratio', 'total', 'modulo', 'vector', 'eigenvalue', 'square', 'radius', 'angle', 'area',
    '確率', '概率', '積分', '积分', '微分', '行列', '矩阵', '素数', '质数', '三角', '方程', '関数', '函数', '面積', '面积', '余り', '余数',
    '平方', '残り', '剩下', '剩余', '合計', '总共', '平均', '割合', '比例', '百分',
  ],
  cue_reasoning: [
    'step by step', 'why', 'explain', 'reason', 'reasoning', 'justify', 'derive', 'therefore', 'how does', 'how would',
    'なぜ', '理由', '説明', '为什', '什么', '解释', '原因', '推理',
  ],
  cue_constraint: [
    'must', 'exactly', 'at least', 'at most', 'without', 'only', 'ensure', 'should not', 'no more than', 'each',
    'every', 'constraint', 'must not', '必ず', '少な', 'のみ', '以内', '毎', 'ずつ', '必须', '至少', '最多', '只能', '不能', '每',
  ],
  cue_creative: [
    'story', 'poem', 'essay', 'imagine', 'pretend', 'roleplay', 'character', 'lyrics', 'song', 'novel', 'creative',
    'fiction', 'haiku', '物語', '小説', '詩', '故事', '小说', '诗', '作文',
  ],
  cue_code: [
    'implement', 'code', 'bug', 'debug', 'compile', 'python', 'javascript', 'typescript', 'sql', 'api', 'algorithm',
    'regex', 'script', 'program', 'class', 'rust', 'java', '実装', 'コード', '实现', '代码', '程序', '算法', 'バグ',
  ],
  cue_simple: [
    'hello', 'hi', 'thanks', 'thank you', 'translate', 'summarize', 'summarise', 'list', 'name', 'what is', 'who is',
    'define', 'classify', 'rewrite', 'give me', 'suggest', 'recommend', 'こんにちは', 'ありがとう', '翻訳', '要約',
    '你好', '谢谢', '翻译', '总结', '什么是', '推荐',
  ],
  cue_analysis: [
    'compare', 'analyze', 'analyse', 'evaluate', 'critique', 'trade-off', 'tradeoffs', 'trade-offs', 'pros and cons',
    'implications', 'assess', 'design', 'architecture', 'optimize', '比較', '分析', '評価', '设计', '設計', '评估', '优化', '最適',
  ],
  cue_long: [
    'detailed', 'comprehensive', 'in depth', 'in-depth', 'thorough', 'words', 'pages', 'paragraphs', 'outline',
    'report', '詳しく', '詳細', '详细', '全面', '报告', 'レポート',
  ],
} as const satisfies Partial<Record<FeatureName, readonly string[]>>

const CODE_WORDS = [
  'def', 'return', 'import', 'from', 'const', 'let', 'var', 'function', 'class', 'public', 'private', 'static',
  'void', 'int', 'self', 'elif', 'lambda', 'async', 'await', 'struct', 'impl', 'fn', 'println', 'printf', 'console',
  'print', 'select', 'null', 'none', 'true', 'false', 'typing', 'list', 'dict', 'str', 'bool', 'float', 'usize',
  'std', 'include', 'namespace', 'interface', 'export', 'throw', 'catch', 'try', 'except', 'raise', 'yield',
]
const TRACE_WORDS = [
  'traceback', 'exception', 'error', 'errno', 'panicked', 'segmentation', 'fatal', 'stacktrace', 'typeerror',
  'valueerror', 'keyerror', 'indexerror', 'attributeerror', 'referenceerror', 'syntaxerror', 'runtimeerror',
  'importerror', 'modulenotfounderror', 'nullpointerexception', 'zerodivisionerror', 'assertionerror',
]

const isCjkCode = (c: number): boolean =>
  (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x3040 && c <= 0x30ff) ||
  (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff)

/**
 * The lexicon: an open-addressing hash table from token hash to flags, so that each word costs one probe.
 * Flags: bits 0-5 = cue family (dense index + 1, 0 = none), CODE, TRACE, PREFIX (first word of a 2-word cue
 * or first two chars of a 3-char CJK cue: only then is the pair looked up).
 */
const LEX_SIZE = 1024
const LEX_MASK = LEX_SIZE - 1
const LEX_KEYS = new Int32Array(LEX_SIZE)
const LEX_VALS = new Int32Array(LEX_SIZE)
const CUE_BITS = 63
const CODE = 64
const TRACE = 128
const PREFIX = 256

function lookup(h: number): number {
  let i = (h ^ (h >>> 16)) & LEX_MASK
  for (let k = LEX_KEYS[i]; k !== 0; k = LEX_KEYS[i]) {
    if (k === h) return LEX_VALS[i]
    i = (i + 1) & LEX_MASK
  }
  return 0
}

function addLex(h: number, flags: number): void {
  if (h === 0) return
  let i = (h ^ (h >>> 16)) & LEX_MASK
  while (LEX_KEYS[i] !== 0 && LEX_KEYS[i] !== h) i = (i + 1) & LEX_MASK
  // a token keeps one cue family (the first listed); other flags accumulate
  const old = LEX_VALS[i]
  LEX_KEYS[i] = h
  LEX_VALS[i] = (old & CUE_BITS ? old : old | (flags & CUE_BITS)) | (flags & ~CUE_BITS)
}

/** Hash of a single CJK character, as the scanner computes it. */
const hashCjk1 = (c: number): number => pair(c * 131 + 7, 0x5bd1e995) | 0

for (const w of CODE_WORDS) addLex(hashWord(w), CODE)
for (const w of TRACE_WORDS) addLex(hashWord(w), TRACE)
for (const [family, cues] of Object.entries(CUE_FAMILIES)) {
  const flag = FEATURES.indexOf(family as FeatureName) + 1
  for (const cue of cues) {
    if (isCjkCode(cue.charCodeAt(0))) {
      if (cue.length === 1) addLex(hashCjk1(cue.charCodeAt(0)), flag)
      else if (cue.length === 2) addLex(hashCjk(cue.charCodeAt(0), cue.charCodeAt(1)), flag)
      else {
        const bg = hashCjk(cue.charCodeAt(0), cue.charCodeAt(1))
        addLex(bg, PREFIX)
        addLex(pair(bg, cue.charCodeAt(2)) | 0, flag)
      }
      continue
    }
    const words = cue.split(' ')
    let h = hashWord(words[0])
    for (let i = 1; i < words.length; i++) {
      addLex(h, PREFIX)
      h = pair(h, hashWord(words[i]))
    }
    addLex(h, flag)
  }
}

// ---------- the scanner ----------

/** Raw counts gathered by one pass over one text. */
interface Counts {
  chars: number
  nonSpace: number
  latinLetters: number
  upper: number
  cjk: number
  kana: number
  digits: number
  numbers: number
  longestNumber: number
  operators: number
  latex: number
  dollars: number
  braces: number
  fences: number
  codeTokens: number
  traces: number
  lines: number
  indentedLines: number
  mcqLines: number
  questions: number
  sentences: number
  latinWords: number
  latinWordChars: number
  singleLetters: number
  cues: Float64Array
}

const newCounts = (): Counts => ({
  chars: 0, nonSpace: 0, latinLetters: 0, upper: 0, cjk: 0, kana: 0, digits: 0, numbers: 0, longestNumber: 0, operators: 0,
  latex: 0, dollars: 0, braces: 0, fences: 0, codeTokens: 0, traces: 0, lines: 0, indentedLines: 0, mcqLines: 0,
  questions: 0, sentences: 0, latinWords: 0, latinWordChars: 0, singleLetters: 0, cues: new Float64Array(N_DENSE),
})

/**
 * Scans `text` once, adding to `c`. When `hashes` is given, token hashes are pushed to it.
 * Linear in the text length: every branch looks at most 3 chars back or ahead.
 */
function scan(text: string, c: Counts, hashes: number[] | null): void {
  const n = text.length
  c.chars += n
  let lineStart = true
  let lineChars = 0
  let lineLead = 0 // leading spaces of the current line
  let wordHash = FNV0, wordLen = 0, wordUpper = 0, wordFirst = 0
  let prevWord = 0 // hash of the previous Latin word (for 2-word cues), 0 = none
  let numLen = 0
  let prevCjk = -1 // previous char if CJK, else -1
  let prevCjkBigram = 0
  let backslashRun = false // inside a \command
  let backticks = 0
  const endWord = (): void => {
    if (wordLen === 0) return
    const h = wordHash | 0
    c.latinWords++
    c.latinWordChars += wordLen
    if (wordLen === 1 && wordFirst !== 97 && wordFirst !== 105) c.singleLetters++ // not "a" / "i"
    const f = lookup(h)
    if (f & CUE_BITS) c.cues[(f & CUE_BITS) - 1]++
    let chain = 0 // the multi-word cue prefix this word extends or starts
    if (prevWord !== 0) {
      const ph = pair(prevWord, h)
      const f2 = lookup(ph)
      if (f2 & CUE_BITS) c.cues[(f2 & CUE_BITS) - 1]++
      if (f2 & PREFIX) chain = ph
    }
    if (f & CODE) c.codeTokens++
    if (f & TRACE && wordUpper > 0) c.traces++ // Traceback, TypeError, Exception (capitalised, as printed)
    if (hashes !== null) hashes.push(h)
    prevWord = chain !== 0 ? chain : f & PREFIX ? h : 0
    wordHash = FNV0; wordLen = 0; wordUpper = 0
  }
  for (let i = 0; i < n; i++) {
    let ch = text.charCodeAt(i)
    // first visible char of a line
    if (lineStart && ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13 && ch !== 0x3000 && ch !== 0xa0) {
      lineStart = false
      if (lineLead >= 2) c.indentedLines++
      // "A." "B)" "(C)" option lines
      let j = i
      if (ch === 40 && j + 1 < n) j++
      const l = text.charCodeAt(j)
      if (l >= 65 && l <= 72 && j + 1 < n) {
        const nx = text.charCodeAt(j + 1)
        if (nx === 46 || nx === 41 || nx === 58 || nx === 0xff0e || nx === 0x3001) c.mcqLines++
      }
    }
    // ---- Latin letters (folded to lower case) ----
    const isUpper = ch >= 65 && ch <= 90
    if (isUpper || (ch >= 97 && ch <= 122)) {
      if (isUpper) { c.upper++; ch += 32; wordUpper++ }
      if (backslashRun) { lineChars++; c.nonSpace++; c.latinLetters++; continue }
      if (wordLen === 0) wordFirst = ch
      wordHash = fnv(wordHash, ch); wordLen++
      c.latinLetters++; c.nonSpace++; lineChars++
      if (numLen) { c.numbers++; if (numLen > c.longestNumber) c.longestNumber = numLen; numLen = 0 }
      prevCjk = -1
      continue
    }
    backslashRun = false
    // a word of Latin letters ends at any other char
    if (wordLen > 0) endWord()
    if (ch === 10 || ch === 13) {
      if (lineChars > 0) c.lines++
      lineStart = true; lineChars = 0; lineLead = 0; prevWord = 0; backticks = 0
      if (numLen) { c.numbers++; if (numLen > c.longestNumber) c.longestNumber = numLen; numLen = 0 }
      prevCjk = -1
      continue
    }
    if (ch === 32 || ch === 9 || ch === 0x3000 || ch === 0xa0) {
      if (lineStart) { lineLead += ch === 9 ? 4 : 1 }
      if (numLen) { c.numbers++; if (numLen > c.longestNumber) c.longestNumber = numLen; numLen = 0 }
      prevCjk = -1
      continue
    }
    c.nonSpace++; lineChars++
    if (ch >= 48 && ch <= 57) {
      c.digits++; numLen++
      prevCjk = -1
      continue
    }
    if (numLen && ch !== 46 && ch !== 44) { c.numbers++; if (numLen > c.longestNumber) c.longestNumber = numLen; numLen = 0 }
    if (isCjkCode(ch)) {
      c.cjk++
      if (ch <= 0x30ff || ch >= 0xac00) c.kana++ // kana (and hangul) carry less per char than Han
      const one = lookup(hashCjk1(ch))
      if (one & CUE_BITS) c.cues[(one & CUE_BITS) - 1]++
      if (prevCjk >= 0) {
        const bg = hashCjk(prevCjk, ch)
        const f = lookup(bg)
        if (f & CUE_BITS) c.cues[(f & CUE_BITS) - 1]++
        if (prevCjkBigram !== 0) {
          const f3 = lookup(pair(prevCjkBigram, ch) | 0)
          if (f3 & CUE_BITS) c.cues[(f3 & CUE_BITS) - 1]++
        }
        prevCjkBigram = f & PREFIX ? bg : 0
      } else prevCjkBigram = 0
      prevCjk = ch
      continue
    }
    prevCjk = -1
    switch (ch) {
      case 43: case 45: case 42: case 47: case 61: case 60: case 62: case 0xd7: case 0xf7: case 0x2264: case 0x2265:
      case 0x2212: case 0x221a: case 0x2211: case 0x222b: case 0xff1d: case 0xff0b:
        c.operators++
        break
      case 94: case 95: case 123: case 125: case 91: case 93:
        c.braces++
        break
      case 92: // backslash: a LaTeX command if a letter follows
        if (i + 1 < n) {
          const nx = text.charCodeAt(i + 1)
          if ((nx >= 97 && nx <= 122) || (nx >= 65 && nx <= 90)) { c.latex++; backslashRun = true }
        }
        break
      case 36: // $: maths delimiter, unless it is a currency sign before a number
        if (!(i + 1 < n && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57 && (i === 0 || text.charCodeAt(i - 1) !== 36))) c.dollars++
        break
      case 96:
        if (++backticks === 3) { c.fences++; backticks = 0 }
        break
      case 59: c.codeTokens += 0.5; break // ;
      case 63: case 0xff1f: c.questions++; c.sentences++; break
      case 46: case 33: case 0x3002: case 0xff01:
        // a full stop between digits is a decimal point
        if (!(ch === 46 && i + 1 < n && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) c.sentences++
        break
    }
    if (ch !== 96) backticks = 0
  }
  endWord()
  if (numLen) { c.numbers++; if (numLen > c.longestNumber) c.longestNumber = numLen }
  if (lineChars > 0) c.lines++
}

/** Characters per English word, fitted on the aligned MGSM problems (ZH: Han only; JA: Han + kana). */
const HAN_PER_WORD = 1.5
const KANA_PER_WORD = 2.9

/** CJK-aware word count: Latin words and numbers, plus CJK characters scaled to English words. */
export const wordsOf = (c: { latinWords: number; cjk: number; kana: number; numbers: number }): number =>
  c.latinWords + c.numbers + (c.cjk - c.kana) / HAN_PER_WORD + c.kana / KANA_PER_WORD

function denseOf(c: Counts): Float64Array {
  const v = new Float64Array(N_DENSE)
  const words = wordsOf(c)
  const perWord = Math.max(1, words)
  // per-word rates are computed on a CJK-aware word count, so EN and JA/ZH land on the same scale
  v[0] = Math.log1p(words)
  v[1] = Math.log1p(c.lines)
  v[2] = Math.min(3, c.digits / perWord)
  v[3] = Math.log1p(c.numbers)
  v[4] = c.longestNumber >= 4 ? 1 : 0
  v[5] = Math.min(3, c.operators / perWord)
  v[6] = Math.log1p(c.latex)
  v[7] = Math.log1p(c.dollars)
  v[8] = Math.log1p(c.braces)
  v[9] = c.fences > 0 ? 1 : 0
  v[10] = Math.log1p(c.codeTokens)
  v[11] = c.lines ? c.indentedLines / c.lines : 0
  v[12] = Math.log1p(c.traces)
  v[13] = c.mcqLines >= 2 ? 1 : 0
  v[14] = Math.log1p(c.questions)
  v[15] = Math.log1p(c.sentences)
  // Latin-script statistics are only meaningful with enough Latin text; otherwise a neutral English-like value
  v[16] = c.latinWords >= 5 ? Math.min(2, c.latinWordChars / c.latinWords / 10) : 0.45
  v[17] = c.latinLetters >= 20 ? c.upper / c.latinLetters : 0.03
  v[18] = Math.log1p(c.singleLetters)
  for (let i = 19; i < N_DENSE; i++) v[i] = Math.log1p(c.cues[i])
  return v
}

type Content = ChatRequest['messages'][number]['content']

/** Text of a message's content and its attachments; never throws on odd shapes. */
function visitContent(content: Content | undefined, onText: (t: string) => void, ctx: ContextStats): void {
  if (typeof content === 'string') { onText(content); return }
  if (!Array.isArray(content)) return
  for (const part of content) {
    if (!part || typeof part !== 'object') continue
    switch (part.type) {
      case 'text': if (typeof part.text === 'string') onText(part.text); break
      case 'refusal': if (typeof part.refusal === 'string') onText(part.refusal); break
      case 'image_url': ctx.images++; break
      case 'input_audio': ctx.audio++; break
      case 'file': ctx.files++; break
    }
  }
}

/** Extracts the dense features, token hashes and context statistics of a chat request. Pure; never throws. */
export function extract(req: ChatRequest): Extracted {
  const messages = Array.isArray(req?.messages) ? req.messages : []
  const ctx: ContextStats = {
    contextWords: 0, contextCode: 0, contextMath: 0, messages: messages.length, tools: 0, toolSchemaChars: 0,
    images: 0, audio: 0, files: 0, maxTokens: 0, jsonSchema: false,
  }
  let last = -1
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') { last = i; break }
  if (last < 0) last = messages.length - 1 // no user turn: score the final message
  const focus = newCounts()
  const rest = newCounts()
  const hashes: number[] = []
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]
    if (!m) continue
    if (i === last) visitContent(m.content ?? undefined, (t) => scan(t, focus, hashes), ctx)
    else visitContent(m.content ?? undefined, (t) => scan(t, rest, null), ctx)
    if (m.role === 'assistant' && Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) if (typeof call?.function?.arguments === 'string') scan(call.function.arguments, rest, null)
    }
  }
  ctx.contextWords = wordsOf(rest)
  ctx.contextCode = rest.fences + rest.traces + (rest.codeTokens >= 10 ? 1 : 0)
  ctx.contextMath = rest.latex + (rest.dollars >= 2 ? 1 : 0)
  if (Array.isArray(req?.tools)) {
    ctx.tools = req.tools.length
    for (const t of req.tools) {
      try { ctx.toolSchemaChars += JSON.stringify(t?.function ?? '').length } catch { /* cyclic: ignore */ }
    }
  }
  const max = req?.max_completion_tokens ?? req?.max_tokens
  ctx.maxTokens = typeof max === 'number' && max > 0 ? max : 0
  ctx.jsonSchema = req?.response_format?.type === 'json_schema'
  const letters = focus.latinLetters + focus.cjk
  return { dense: denseOf(focus), cjkShare: letters ? focus.cjk / letters : 0, hashes, context: ctx }
}
