/**
 * Feature extraction for the complexity scorer: one linear pass over each text, char codes only (no regex).
 *
 * Two kinds of features:
 * - structure, the same in every language: CJK-aware word counts (1.5 Han characters or 2.9 kana ≈ one English
 *   word, fitted on aligned MGSM problems), lines, digits and operators per word, LaTeX, code, stack traces,
 *   lettered options;
 * - demand concepts (`concepts.ts`): what the answer must contain (a proof, a design, an implementation, an expert
 *   analysis, ...) and signs of an easy request (a greeting, a lookup, a rewrite, ...), aligned across
 *   en/es/de/fr/ja/zh/ko.
 *
 * Concepts are matched by a precompiled hash trie: every prefix of every cue is a key in one open-addressing
 * table, and the scanner extends the few live partial matches by one character at a time. Latin-script cues are
 * anchored at word starts (the text is case- and accent-folded, punctuation and digits become one space), and
 * their matches are looked up once per word (and where a stem may end); CJK and Hangul cues match anywhere, one
 * probe per live match and char. Linear in the text: about 15 ns per char on a slow shared core (bench:score).
 *
 * The whole request is read: the last user turn, and with half weight for demands, the system prompt and earlier
 * turns (a follow-up inherits its conversation's demand); tools, tool results and attachments are counted.
 *
 * @example
 * const f = extract({ model: 'auto', messages: [{ role: 'user', content: 'Beweisen Sie, dass √2 irrational ist.' }] })
 * f.dense[FEATURES.indexOf('d_proof')] // > 0
 */
import type { ChatRequest } from '../openai/request'
import { CODE_WORDS, CONCEPTS, FACT_WORDS, SWITCH_WORDS, TRACE_WORDS, type ConceptFamily } from './concepts'

const STRUCTURE = [
  'words', //          log1p(CJK-aware words of the last user turn)
  'lines', //          log1p(non-empty lines)
  'digits', //         digits per word (capped)
  'numbers', //        log1p(number of digit runs)
  'bignum', //         a digit run of 4 or more (0/1)
  'operators', //      + - * / = < > ^ × ÷ ≤ ≥ √ ∑ ∫ per word (capped)
  'latex', //          log1p(\commands)
  'dollars', //        log1p($ maths delimiters; $20 is a price)
  'braces', //         log1p({ } [ ] _ ^)
  'code_fence', //     ``` present (0/1)
  'code_tokens', //    log1p(code keywords and ;)
  'indent', //         share of lines indented by 2+ spaces
  'stack_trace', //    log1p(stack-trace markers)
  'mcq', //            lettered option lines (A. B. ...) ≥ 2 (0/1)
  'questions', //      log1p(? and ？)
  'sentences', //      log1p(sentence ends, incl. 。！？)
  'single_letters', // log1p(single-letter Latin words other than a/i: variables)
] as const

/** Concept families, in vector order after the structure features. */
export const FAMILIES = Object.keys(CONCEPTS) as ConceptFamily[]

const CONTEXT = [
  'ctx_words', //  log1p(words of system prompts, earlier turns and tool results)
  'ctx_turns', //  log1p(earlier user and assistant turns)
  'tool_defs', //  log1p(tool definitions)
  'tool_turns', // log1p(tool calls and tool results already in the conversation)
] as const

/** Names of the dense features, in vector order. Learned weights refer to them by position. */
export const FEATURES: readonly string[] = [...STRUCTURE, ...FAMILIES, ...CONTEXT]
export type FeatureName = (typeof STRUCTURE)[number] | ConceptFamily | (typeof CONTEXT)[number]
export const N_DENSE = FEATURES.length
const FAMILY0 = STRUCTURE.length
const N_FAMILIES = FAMILIES.length
const GREET = FAMILIES.indexOf('e_greet')
const BUILD = FAMILIES.indexOf('d_build')
/** Whether each family is a demand (`d_*`), by family index. */
const IS_DEMAND = FAMILIES.map((f) => f.startsWith('d_'))
const CODE = FAMILIES.indexOf('d_code')
const IMPLEMENT = FAMILIES.indexOf('d_implement')
const PROOF = FAMILIES.indexOf('d_proof')
const MATH = FAMILIES.indexOf('d_math')
/**
 * A family's count in one text. `d_build` (make, write, ...) counts only as far as code vocabulary goes with it;
 * `d_proof` and `d_math` lose one count per question about who proved what ("Who proved Fermat's Last Theorem?").
 */
const countOf = (c: Counts, f: number): number =>
  f === BUILD ? Math.min(c.families[BUILD], c.families[CODE] + c.families[IMPLEMENT])
    : f === PROOF || f === MATH ? Math.max(0, c.families[f] - c.facts) : c.families[f]
const CONTEXT0 = FAMILY0 + N_FAMILIES
/**
 * Demands read in system prompts and earlier turns count this much (the last user turn counts 1), and so do the
 * words of earlier user turns.
 */
export const CONTEXT_WEIGHT = 0.5
/**
 * A last user turn shorter than this (CJK-aware words) after earlier user turns is a follow-up: the conversation's
 * demands count in full ("ok continue and give the final answer" after a competition problem is that problem).
 * Not when the turn is small talk with no demand of its own, which closes the conversation ("thanks, that's all",
 * "懂了，谢啦"), nor when it changes the topic (concepts.ts SWITCH_WORDS): then they do not count at all.
 */
export const FOLLOW_UP_WORDS = 25

/** What the rest of the request says, beyond the last user turn. */
export interface ContextStats {
  /** CJK-aware words in system prompts, earlier turns and tool results. */
  contextWords: number
  /** Earlier user and assistant turns. */
  turns: number
  messages: number
  tools: number
  /** Tool calls and tool results already in the conversation. */
  toolTurns: number
  images: number
  audio: number
  files: number
  /** max_completion_tokens ?? max_tokens, 0 when unset. */
  maxTokens: number
  jsonSchema: boolean
}

export interface Extracted {
  /** Dense features in FEATURES order. */
  dense: Float64Array
  /** Share of CJK characters among the last user turn's letters (reported, not scored). */
  cjkShare: number
  context: ContextStats
}

// ---------- the concept trie ----------

/** FNV-1a step. */
export const fnv = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193)
/** FNV-1a's offset basis, as an int32. */
export const FNV0 = 0x811c9dc5 | 0

/** Case and accent folding of Latin-1 letters (0xC0..0xFF; '*' marks × and ÷), and œ. */
const FOLD = 'aaaaaaaceeeeiiiidnooooo*ouuuuytsaaaaaaaceeeeiiiidnooooo*ouuuuyty'
const FOLD_CODES = Int32Array.from(FOLD, (ch) => ch.charCodeAt(0))

/**
 * CJK class of each UTF-16 code: 1 Han, 2 kana or Hangul (which carry less per char than Han: see wordsOf),
 * 0 anything else. One load instead of seven range tests.
 */
const CJK_CLASS = new Uint8Array(0x10000)
CJK_CLASS.fill(1, 0x4e00, 0xa000) // CJK Unified Ideographs
CJK_CLASS.fill(1, 0x3400, 0x4dc0) // Extension A
CJK_CLASS.fill(2, 0x3040, 0x3100) // hiragana, katakana
CJK_CLASS.fill(2, 0xac00, 0xd7b0) // Hangul syllables
CJK_CLASS.fill(2, 0xf900, 0xfb00) // compatibility ideographs
CJK_CLASS.fill(2, 0x1100, 0x1200) // Hangul jamo
CJK_CLASS.fill(2, 0x3130, 0x3190) // Hangul compatibility jamo

const isCjkCode = (c: number): boolean => CJK_CLASS[c] !== 0

/**
 * The folded letter of c (lower-case ASCII for Latin), or 0 when c is not a word letter. Other alphabets
 * (Greek, Cyrillic, ...) count as letters and keep their code.
 */
function letterOf(c: number): number {
  if (c >= 97 && c <= 122) return c
  if (c >= 65 && c <= 90) return c + 32
  if (c < 0xc0) return 0
  if (c <= 0xff) { const f = FOLD_CODES[c - 0xc0]; return f === 42 ? 0 : f }
  if (c === 0x152 || c === 0x153) return 111 // œ
  if (c >= 0xff21 && c <= 0xff3a) return c - 0xff21 + 97 // fullwidth A-Z
  if (c >= 0xff41 && c <= 0xff5a) return c - 0xff41 + 97
  if (c >= 0x180 && c < 0x2000 && !(c >= 0x2b0 && c < 0x370)) return c
  return 0
}

/**
 * The trie's table: slot s holds a key (a non-zero hash) at LEX[2s] and what it means at LEX[2s + 1], side by side
 * so that a probe reads one cache line. The meaning: bit f = a cue of concept family f ends here; CODE_BIT,
 * TRACE_BIT, SWITCH_BIT and FACT_BIT above the families; PREFIX_BIT when some longer cue continues this key.
 */
const LEX_SLOTS = 1 << 15
const LEX = new Int32Array(2 * LEX_SLOTS)
const LEX_MASK = 2 * LEX_SLOTS - 1
const CODE_BIT = 1 << N_FAMILIES
const TRACE_BIT = 1 << (N_FAMILIES + 1)
const SWITCH_BIT = 1 << (N_FAMILIES + 2)
const FACT_BIT = 1 << (N_FAMILIES + 3)
/** The sign bit. */
const PREFIX_BIT = 1 << 31
/** The bits that count something when a key is reached: all but PREFIX_BIT. */
const HIT_BITS = ~PREFIX_BIT
if (N_FAMILIES + 4 > 31) throw new Error('scoring: too many concept families for the trie\'s 32-bit meanings')
/** The bits of the easy-sign families (`e_*`): inside pasted code they are identifiers, not what the user asks. */
const EASY_BITS = FAMILIES.reduce((m, f, i) => (f.startsWith('e_') ? m | (1 << i) : m), 0)
/**
 * A one-probe filter in front of the table (16 KB, stays in the L1 cache): two bits of word h >>> 20 are set for
 * every key.
 * Most partial matches die at the end of their first word, or after a CJK char or two, on a key that is not in
 * the table; the filter answers those without touching the 256 KB table.
 */
const FILTER = new Uint32Array(4096)
/** The filter's two bits for key h, in one 32-bit word: a second bit cuts false positives about threefold. */
const filterBits = (h: number): number => (1 << ((h >>> 15) & 31)) | (1 << ((h >>> 10) & 31))
const filterAdd = (filter: Uint32Array, h: number): void => { filter[h >>> 20] |= filterBits(h) }
const filterHas = (filter: Uint32Array, h: number): boolean => { const b = filterBits(h); return (filter[h >>> 20] & b) === b }
const inFilter = (h: number): boolean => filterHas(FILTER, h)
/**
 * The same kind of filter for the keys where a cue ends on a letter (a stem like `prov*`, or a CJK cue's Latin
 * tail): the only keys the scanner looks up inside a Latin word.
 */
const STEM_FILTER = new Uint32Array(4096)
const inStemFilter = (h: number): boolean => filterHas(STEM_FILTER, h)
/**
 * For each CJK or Hangul char that begins a cue, the meaning of its one-char key (as in LEX, never 0); 0 for the
 * others. Only those chars start a new partial match, and this is read instead of probing the table.
 */
const CJK_START = new Int32Array(0x10000)
/** The key of a one-char CJK chain. */
const cjkKey = (v: number): number => fnv(FNV0, v) || 1
/** The chain every Latin cue starts with: the word boundary before it. */
const H_SPACE = fnv(FNV0, 32) | 0

/** The index in LEX of key h: its own slot, or the empty one where it would go (linear probing). */
function slot(h: number): number {
  let i = ((h ^ (h >>> 15)) << 1) & LEX_MASK
  for (let k = LEX[i]; k !== 0 && k !== h; k = LEX[i]) i = (i + 2) & LEX_MASK
  return i
}

/** Folds a cue the way the scanner folds text: letters folded, CJK kept, anything else one space. */
function foldCue(cue: string): number[] {
  const out: number[] = []
  for (let i = 0; i < cue.length; i++) {
    const c = cue.charCodeAt(i)
    const l = letterOf(c)
    const cls = l ? 1 : isCjkCode(c) ? 2 : 0
    const v = cls === 1 ? l : cls === 2 ? c : 32
    const prev = out.length ? out[out.length - 1] : -1
    if (v === 32 && prev === 32) continue
    // a change between Latin letters and CJK is a boundary, as in the scanner
    if (prev > 0 && prev !== 32 && cls !== 0 && (isCjkCode(prev) ? 2 : 1) !== cls) out.push(32)
    out.push(v)
  }
  return out
}

function addCue(cue: string, bit: number): void {
  const stem = cue.endsWith('*')
  const codes = foldCue(stem ? cue.slice(0, -1) : cue)
  while (codes.length && codes[codes.length - 1] === 32) codes.pop()
  while (codes.length && codes[0] === 32) codes.shift()
  if (codes.length === 0) return
  // Latin cues are anchored at a word boundary and, unless a stem, end at one
  const latin = !isCjkCode(codes[0])
  if (latin) { codes.unshift(32); if (!stem) codes.push(32) } else cjkStarts.push(codes[0])
  let h = FNV0
  for (let i = 0; i < codes.length; i++) {
    h = fnv(h, codes[i]) | 0
    if (h === 0) h = 1
    const s = slot(h)
    LEX[s] = h
    filterAdd(FILTER, h)
    LEX[s + 1] |= i < codes.length - 1 ? PREFIX_BIT : bit
  }
  const end = codes[codes.length - 1]
  if (end !== 32 && !isCjkCode(end)) filterAdd(STEM_FILTER, h)
}

let lexiconBuilt = false
/** The first chars of the CJK cues, gathered by addCue for CJK_START. */
const cjkStarts: number[] = []
/**
 * Compiles the cue lists into the table, once, on the first scored request: module evaluation (the Worker's
 * start-up) does not pay for it. About 2,900 cues.
 */
function buildLexicon(): void {
  lexiconBuilt = true
  for (let f = 0; f < N_FAMILIES; f++) for (const cue of CONCEPTS[FAMILIES[f]]) addCue(cue, 1 << f)
  for (const w of CODE_WORDS) addCue(w, CODE_BIT)
  for (const w of TRACE_WORDS) addCue(w, TRACE_BIT)
  for (const w of SWITCH_WORDS) addCue(w, SWITCH_BIT)
  for (const w of FACT_WORDS) addCue(w, FACT_BIT)
  for (const ch of cjkStarts) CJK_START[ch] = LEX[slot(cjkKey(ch)) + 1]
}

// ---------- the scanner ----------

/** Raw counts gathered by one pass over one text. */
interface Counts {
  cjk: number
  kana: number
  latinWords: number
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
  /** Markers of a change of topic (SWITCH_WORDS). */
  switches: number
  /** Questions about who proved or discovered something (FACT_WORDS). */
  facts: number
  lines: number
  indentedLines: number
  mcqLines: number
  questions: number
  sentences: number
  singleLetters: number
  letters: number
  families: Float64Array
}

const newCounts = (): Counts => ({
  cjk: 0, kana: 0, latinWords: 0, digits: 0, numbers: 0, longestNumber: 0, operators: 0, latex: 0, dollars: 0, braces: 0,
  fences: 0, codeTokens: 0, traces: 0, switches: 0, facts: 0, lines: 0, indentedLines: 0, mcqLines: 0, questions: 0, sentences: 0, singleLetters: 0,
  letters: 0, families: new Float64Array(N_FAMILIES),
})

/**
 * The Counts that extract() works with, allocated once: a typed array per object per request cost more than the
 * scan of a short request. extract() is synchronous and no Counts outlives it, so reusing them is safe.
 */
const POOL = Array.from({ length: 6 }, newCounts)

/** The context's concept counts before a user or system turn is read (its own counts are the difference). */
const BEFORE = new Float64Array(N_FAMILIES)

/** Pooled Counts number `i`, zeroed. */
function freshCounts(i: number): Counts {
  const c = POOL[i]
  c.cjk = c.kana = c.latinWords = c.digits = c.numbers = c.longestNumber = c.operators = c.latex = c.dollars = c.braces = 0
  c.fences = c.codeTokens = c.traces = c.switches = c.facts = c.lines = c.indentedLines = c.mcqLines = c.questions = 0
  c.sentences = c.singleLetters = c.letters = 0
  c.families.fill(0)
  return c
}

/**
 * Live partial matches (hashes of trie keys), in two halves of one buffer: the current ones and the next ones.
 * Bounded, so a pathological text stays linear.
 */
const MAX_LIVE = 16
const LIVE = new Int32Array(2 * MAX_LIVE)
/**
 * LIVE_STATE[0] = offset of the current half, [1] = number of live matches, [2] = last char fed (32 = boundary),
 * [3] = 1 inside a ``` code fence.
 */
const LIVE_STATE = new Int32Array(4)

function hit(bits: number, c: Counts): void {
  if (bits & CODE_BIT) c.codeTokens++
  if (bits & TRACE_BIT) c.traces++
  if (bits & SWITCH_BIT) c.switches++
  if (bits & FACT_BIT) c.facts++
  // in pasted code, `tags` or `birthday` are names, not a request to tag or to write a birthday message
  let m = bits & (CODE_BIT - 1) & (LIVE_STATE[3] !== 0 ? ~EASY_BITS : -1)
  while (m !== 0) {
    const f = 31 - Math.clz32(m)
    c.families[f]++
    m &= ~(1 << f)
  }
}

/** Starts a text: the start is a word boundary, so a Latin cue may begin at once. */
function resetTrie(): void {
  LIVE_STATE[0] = 0
  LIVE_STATE[1] = 1
  LIVE_STATE[2] = 32
  LIVE_STATE[3] = 0
  LIVE[0] = H_SPACE
}

/**
 * Feeds one folded char (32 = boundary) to the trie: extends the live matches and starts new ones. The table
 * lookup is written out here and in the scanner's CJK loop rather than called: a call in these loops cost 2-4% of
 * the whole scan (measured, interleaved A/B on 100k characters).
 */
function feed(v: number, cjk: boolean, c: Counts): void {
  const cur = LIVE_STATE[0], n = LIVE_STATE[1], nxt = MAX_LIVE - cur
  let m = 0
  for (let k = 0; k < n; k++) {
    let h = fnv(LIVE[cur + k], v)
    if (h === 0) h = 1
    if (!inFilter(h)) continue
    const i = slot(h)
    if (LEX[i] === 0) continue
    const meaning = LEX[i + 1]
    if ((meaning & HIT_BITS) !== 0) hit(meaning, c)
    if ((meaning & PREFIX_BIT) !== 0 && m < MAX_LIVE) LIVE[nxt + m++] = h
  }
  if (v === 32) {
    if (m < MAX_LIVE) LIVE[nxt + m++] = H_SPACE
  } else if (cjk) {
    const meaning = CJK_START[v]
    if ((meaning & HIT_BITS) !== 0) hit(meaning, c)
    if ((meaning & PREFIX_BIT) !== 0 && m < MAX_LIVE) LIVE[nxt + m++] = cjkKey(v)
  }
  LIVE_STATE[0] = nxt
  LIVE_STATE[1] = m
  LIVE_STATE[2] = v
}

/** Counts the cue that may end at key h inside a word (h passed STEM_FILTER). */
function stemHit(h: number, c: Counts): void {
  const s = slot(h)
  if (LEX[s] !== 0 && (LEX[s + 1] & HIT_BITS) !== 0) hit(LEX[s + 1], c)
}

/** Feeds a word boundary; with no live match (the common case) only the boundary's own chain starts. */
function boundary(c: Counts): void {
  if (LIVE_STATE[1] !== 0) feed(32, false, c)
  else { LIVE[LIVE_STATE[0]] = H_SPACE; LIVE_STATE[1] = 1; LIVE_STATE[2] = 32 }
}

/** Whether `text` ends with the lower-case ASCII `suffix` (any case) just before index `end`. */
function endsWith(text: string, end: number, suffix: string): boolean {
  const from = end - suffix.length
  for (let k = 0; k < suffix.length; k++) if ((text.charCodeAt(from + k) | 32) !== suffix.charCodeAt(k)) return false
  return true
}

/** Ends a run of digits of length `len`. */
function endNumber(c: Counts, len: number): void {
  c.numbers++
  if (len > c.longestNumber) c.longestNumber = len
}

/** Ends the word of `len` letters (the first folded `first`) before index `end`. */
function endWord(text: string, end: number, len: number, first: number, c: Counts): void {
  c.latinWords++
  if (len === 1 && first !== 97 && first !== 105) c.singleLetters++ // not "a" / "i"
  // an exception's name (OutOfMemoryError, NullPointerException, ECONNRESET is not one): a sign of an error report
  if ((len > 5 && endsWith(text, end, 'error')) || (len > 9 && endsWith(text, end, 'exception'))) c.traces++
}

/**
 * Scans `text[from, to)` once, adding to `c`. Linear in the text length: every branch looks at most 2 chars
 * ahead, and at most MAX_LIVE partial concept matches are extended per character.
 */
function scan(text: string, c: Counts, from = 0, to = text.length): void {
  const n = to
  resetTrie()
  let lastClass = 0 // 0 boundary, 1 Latin letter, 2 CJK
  let lineStart = true, lineChars = 0, lineLead = 0
  let wordLen = 0, wordFirst = 0
  let numLen = 0
  let backslashRun = false
  let backticks = 0

  for (let i = from; i < n; i++) {
    const ch = text.charCodeAt(i)
    // first visible char of a line: indentation and "A." "B)" "(C)" option lines
    if (lineStart && ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13 && ch !== 0x3000 && ch !== 0xa0) {
      lineStart = false
      if (lineLead >= 2) c.indentedLines++
      let j = i
      if (ch === 40 && j + 1 < n) j++
      const l = text.charCodeAt(j)
      if (l >= 65 && l <= 72 && j + 1 < n) {
        const nx = text.charCodeAt(j + 1)
        if (nx === 46 || nx === 41 || nx === 58 || nx === 0xff0e || nx === 0x3001) c.mcqLines++
      }
    }
    const letter = ch >= 97 && ch <= 122 ? ch : ch < 0x2000 || ch >= 0xff21 ? letterOf(ch) : 0
    if (letter !== 0) {
      if (backslashRun) { c.letters++; lineChars++; continue } // the name of a LaTeX command is not a word
      if (wordLen === 0) wordFirst = letter
      if (numLen) { endNumber(c, numLen); numLen = 0 }
      if (lastClass === 2) boundary(c)
      lastClass = 1
      // this letter, then the lower-case ASCII letters after it (the common case) in a tight loop. Inside a word,
      // every live match just takes the letter; the table is read only where a cue may end inside a word (a stem,
      // see STEM_FILTER). A match that is no longer a cue prefix dies at the word's end, in feed(32).
      const cur = LIVE_STATE[0], live = LIVE_STATE[1]
      let j = i, v = letter
      for (;;) {
        for (let k = cur; k < cur + live; k++) {
          let h = fnv(LIVE[k], v)
          if (h === 0) h = 1
          LIVE[k] = h
          if (inStemFilter(h)) stemHit(h, c)
        }
        if (++j >= n) break
        const x = text.charCodeAt(j)
        if (x < 97 || x > 122) break
        v = x
      }
      LIVE_STATE[2] = v
      const run = j - i
      c.letters += run
      wordLen += run
      lineChars += run
      i = j - 1
      continue
    }
    backslashRun = false
    if (wordLen) { endWord(text, i, wordLen, wordFirst, c); wordLen = 0 }
    if (CJK_CLASS[ch] !== 0) {
      if (numLen) { endNumber(c, numLen); numLen = 0 }
      if (lastClass === 1) boundary(c)
      lastClass = 2
      // this char, then the CJK chars after it, in a tight loop (CJK cues match anywhere: every char is fed)
      let j = i, v = ch, cls = CJK_CLASS[ch], kana = 0
      for (;;) {
        kana += cls >> 1
        const live = LIVE_STATE[1]
        if (live === 1) {
          // one live match (the next most common case), inlined: extend it, and v may start another
          const cur = LIVE_STATE[0], nxt = MAX_LIVE - cur
          let m = 0
          let h = fnv(LIVE[cur], v)
          if (h === 0) h = 1
          if (inFilter(h)) {
            const s = slot(h)
            if (LEX[s] !== 0) {
              const meaning = LEX[s + 1]
              if ((meaning & HIT_BITS) !== 0) hit(meaning, c)
              if ((meaning & PREFIX_BIT) !== 0) LIVE[nxt + m++] = h
            }
          }
          const start = CJK_START[v]
          if (start !== 0) {
            if ((start & HIT_BITS) !== 0) hit(start, c)
            if ((start & PREFIX_BIT) !== 0) LIVE[nxt + m++] = cjkKey(v)
          }
          LIVE_STATE[0] = nxt
          LIVE_STATE[1] = m
        } else if (live !== 0) feed(v, true, c)
        else {
          // no live match (the common case), inlined: v may start one
          const start = CJK_START[v]
          if (start !== 0) {
            if ((start & HIT_BITS) !== 0) hit(start, c)
            if ((start & PREFIX_BIT) !== 0) { LIVE[LIVE_STATE[0]] = cjkKey(v); LIVE_STATE[1] = 1 }
          }
        }
        j++
        if (j >= n) break
        const x = text.charCodeAt(j)
        if (x < 0x2000) break // below 0x2000, letterOf() claims Hangul jamo as letters
        cls = CJK_CLASS[x]
        if (cls === 0) break
        v = x
      }
      LIVE_STATE[2] = v
      const run = j - i
      c.cjk += run; c.letters += run; c.kana += kana
      lineChars += run
      i = j - 1
      continue
    }
    // anything else is a boundary for concepts
    if (LIVE_STATE[2] !== 32) boundary(c)
    lastClass = 0
    if (ch === 10 || ch === 13) {
      if (lineChars > 0) c.lines++
      lineStart = true; lineChars = 0; lineLead = 0; backticks = 0
      if (numLen) { endNumber(c, numLen); numLen = 0 }
      continue
    }
    if (ch === 32 || ch === 9 || ch === 0x3000 || ch === 0xa0) {
      if (lineStart) lineLead += ch === 9 ? 4 : 1
      if (numLen) { endNumber(c, numLen); numLen = 0 }
      continue
    }
    lineChars++
    if (ch >= 48 && ch <= 57) { c.digits++; numLen++; continue }
    if (numLen && ch !== 46 && ch !== 44) { endNumber(c, numLen); numLen = 0 }
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
      case 36: // $: a maths delimiter, unless it is a currency sign before a number
        if (!(i + 1 < n && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57 && (i === from || text.charCodeAt(i - 1) !== 36))) c.dollars++
        break
      case 96:
        if (++backticks === 3) { c.fences++; backticks = 0; LIVE_STATE[3] ^= 1 }
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
  if (wordLen) endWord(text, n, wordLen, wordFirst, c)
  if (numLen) { endNumber(c, numLen); numLen = 0 }
  if (LIVE_STATE[2] !== 32) boundary(c) // the end of a text is a word boundary
  if (lineChars > 0) c.lines++
}

/** Characters per English word, fitted on the aligned MGSM problems (ZH: Han only; JA: Han + kana). */
const HAN_PER_WORD = 1.5
const KANA_PER_WORD = 2.9

/** CJK-aware word count: Latin words and numbers, plus CJK characters scaled to English words. */
export const wordsOf = (c: { latinWords: number; cjk: number; kana: number; numbers: number }): number =>
  c.latinWords + c.numbers + (c.cjk - c.kana) / HAN_PER_WORD + c.kana / KANA_PER_WORD

/**
 * Whether a text asks for something hard of its own (a demand concept; `d_build` only with code vocabulary), not
 * counting the families in `ignore`.
 */
const hasDemand = (c: Counts, ignore: readonly boolean[] = NONE): boolean => IS_DEMAND.some((d, i) => d && !ignore[i] && countOf(c, i) > 0)
const NONE: readonly boolean[] = []
/**
 * Demands that shape how material is transformed rather than ask for new work ("shorten it to 80 words", "keep
 * the facts", "make it more poetic"): they do not stop an instruction from being a transformation.
 */
const SHAPE = FAMILIES.map((f) => f === 'd_long' || f === 'd_constraint' || f === 'd_creative' || f === 'd_build')

/** The counts that add up (all but `longestNumber`, a maximum, and `switches` and `facts`, read in the instruction only). */
const ADDITIVE = [
  'cjk', 'kana', 'latinWords', 'digits', 'numbers', 'operators', 'latex', 'dollars', 'braces', 'fences', 'codeTokens',
  'traces', 'lines', 'indentedLines', 'mcqLines', 'questions', 'sentences', 'singleLetters', 'letters',
] as const satisfies readonly (keyof Counts)[]

/** Adds `w` times the counts of `from` to `into`. */
function addCounts(into: Counts, from: Counts, w: number): void {
  for (const k of ADDITIVE) into[k] += w * from[k]
  for (let f = 0; f < N_FAMILIES; f++) into.families[f] += w * from.families[f]
  if (from.longestNumber > into.longestNumber) into.longestNumber = from.longestNumber
}

/**
 * Whether an instruction only transforms its material: it asks to rewrite, translate, extract or classify, or say
 * briefly, at least as often as it names a demand ("make this notice friendlier" is a rewrite although a landlord
 * wrote it; "rewrite this function to be lock-free" is not). Demands that only shape the result (SHAPE) do not count.
 */
function transforms(c: Counts, kinds: readonly number[] = TRANSFORM): boolean {
  let signs = 0, demands = 0
  for (const f of kinds) signs += c.families[f]
  for (let f = 0; f < N_FAMILIES; f++) if (IS_DEMAND[f] && !SHAPE[f]) demands += countOf(c, f)
  return signs > 0 && signs >= demands
}

/** The families that ask to transform given material (rewrite, translate, extract or classify, say briefly). */
const TRANSFORM_NAMES = ['e_rewrite', 'e_translate', 'e_extract', 'e_brief'] as const
const TRANSFORM = TRANSFORM_NAMES.map((f) => FAMILIES.indexOf(f))
/** Those an app's system prompt gives for every user turn ("answer briefly" there is a style, not a transformation). */
const APP_TRANSFORM = TRANSFORM.filter((f) => FAMILIES[f] !== 'e_brief')
/**
 * Material that an instruction only transforms ("Make this email more polite:" and the email, "classify these
 * reviews:" and the reviews) counts this much: its length, its numbers and the concepts it mentions are what the
 * instruction works on, not what it demands. A long document still weighs (summarising thousands of words is
 * hard), and material under any other instruction counts in full.
 */
export const MATERIAL_WEIGHT = 0.25
/** Pasted material shorter than this (chars) is part of the instruction. */
const MIN_MATERIAL = 40
/** How far into a text (chars) an instruction before its material may end. */
const MAX_HEAD = 300

/**
 * Where a turn splits into an instruction and the material it works on: k > 0 when the instruction comes first
 * (text[0, k) — up to a blank line, a colon before a space, or an opening quote), k < 0 when it comes last
 * (text[−k, n), after the last blank line), 0 when the text is one piece.
 * @example splitInstruction('Fix the grammar:\n\n' + email) // 16
 */
export function splitInstruction(text: string): number {
  const n = text.length
  if (n < MIN_MATERIAL + 2) return 0
  const head = Math.min(n - MIN_MATERIAL, MAX_HEAD)
  for (let i = 1; i < head; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 10 && (text.charCodeAt(i - 1) === 10 || (text.charCodeAt(i - 1) === 13 && text.charCodeAt(i - 2) === 10))) return i
    if ((ch === 58 || ch === 0xff1a) && i + 1 < n) {
      const nx = text.charCodeAt(i + 1)
      if (nx === 32 || nx === 10 || nx === 13 || QUOTES.includes(nx) || ch === 0xff1a) return i + 1
    }
    if (QUOTES.includes(ch) && i >= 8) return i
  }
  const tail = text.lastIndexOf('\n\n')
  if (tail >= MIN_MATERIAL && n - tail <= MAX_HEAD) return -(tail + 2)
  return 0
}

/** Opening quotes that start pasted material: " “ « „ 「 『. */
const QUOTES = [34, 0x201c, 0xab, 0x201e, 0x300c, 0x300e]

/** Scans the last user turn's text: the instruction into `focus`, the material it works on into `material`. */
function scanTurn(text: string, focus: Counts, material: Counts): void {
  const k = splitInstruction(text)
  // ranges of the one string, not slices: a sliced string costs the scanner's every char an indirection
  if (k === 0) scan(text, focus)
  else if (k > 0) { scan(text, focus, 0, k); scan(text, material, k) }
  else { scan(text, material, 0, -k); scan(text, focus, -k) }
}

/**
 * @param userWords words of the earlier user turns: they count at CONTEXT_WEIGHT in `words` (the task a
 * follow-up continues was stated there)
 * @param asked what the earlier user turns asked: their concept counts (and `facts`) only; their easy signs carry
 * into a follow-up
 */
function denseOf(c: Counts, rest: Counts, ctx: ContextStats, userWords: number, asked: Counts): Float64Array {
  const v = new Float64Array(N_DENSE)
  const words = wordsOf(c)
  const perWord = Math.max(1, words)
  // a short last turn after earlier user turns continues their task ("ok continue", "and the final answer?"),
  // unless it is small talk that closes it ("thanks, that's all") or only reshapes the answer to an easy task
  // ("make it funnier" after "a short card message"; not "rewrite it with asyncio" after a code task); a turn that
  // changes the topic ("unrelated, what time zone is Denver in?") inherits nothing: neither the conversation's
  // demands nor its length
  const followUp = userWords > 0 && words < FOLLOW_UP_WORDS
  const easyTask = asked.families.some((n, f) => !IS_DEMAND[f] && f !== GREET && n > 0)
  const closes = followUp && (c.families[GREET] > 0 || (easyTask && TRANSFORM.some((f) => c.families[f] > 0))) && !hasDemand(c, SHAPE)
  const standsAlone = c.switches > 0 || closes
  const carried = standsAlone ? 0 : CONTEXT_WEIGHT
  const demandWeight = standsAlone ? 0 : followUp ? 1 : CONTEXT_WEIGHT
  // ... and a follow-up with no demand of its own continues an easy task as easily ("make it funnier" after "a
  // short message for a retirement card"): the easy signs of the earlier user turns count too (greetings aside)
  const easyWeight = followUp && c.switches === 0 && !hasDemand(c) ? 1 : 0
  // a follow-up continues what the user asked in full; what the assistant or the system said counts half, as in any
  // other turn (a card message that mentions night shifts asks no medical question)
  const demandOf = (f: number): number => {
    if (!followUp || standsAlone) return demandWeight * countOf(rest, f)
    const user = countOf(asked, f)
    return user + CONTEXT_WEIGHT * Math.max(0, countOf(rest, f) - user)
  }
  v[0] = Math.log1p(words + carried * userWords)
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
  v[12] = Math.log1p(c.traces + carried * rest.traces)
  v[13] = c.mcqLines >= 2 ? 1 : 0
  v[14] = Math.log1p(c.questions)
  v[15] = Math.log1p(c.sentences)
  v[16] = Math.log1p(c.singleLetters)
  for (let f = 0; f < N_FAMILIES; f++) {
    // demands carry over from the conversation (half weight); signs of an easy request only into a follow-up
    const own = countOf(c, f)
    v[FAMILY0 + f] = Math.log1p(IS_DEMAND[f] ? own + demandOf(f) : f === GREET ? own : own + easyWeight * asked.families[f])
  }
  v[CONTEXT0] = Math.log1p(ctx.contextWords)
  v[CONTEXT0 + 1] = Math.log1p(ctx.turns)
  v[CONTEXT0 + 2] = Math.log1p(ctx.tools)
  v[CONTEXT0 + 3] = Math.log1p(ctx.toolTurns)
  return v
}

type Content = ChatRequest['messages'][number]['content']

/**
 * Text of a message's content and its attachments; never throws on odd shapes. With `material` (the last user
 * turn), each text splits into instruction (`counts`) and material (see splitInstruction).
 */
function visitContent(content: Content | undefined, counts: Counts, ctx: ContextStats, material?: Counts): void {
  const read = (text: string): void => { if (material) scanTurn(text, counts, material); else scan(text, counts) }
  if (typeof content === 'string') { read(content); return }
  if (!Array.isArray(content)) return
  for (const part of content) {
    if (!part || typeof part !== 'object') continue
    switch (part.type) {
      case 'text': if (typeof part.text === 'string') read(part.text); break
      case 'refusal': if (typeof part.refusal === 'string') read(part.refusal); break
      case 'image_url': ctx.images++; break
      case 'input_audio': ctx.audio++; break
      case 'file': ctx.files++; break
    }
  }
}

/** Extracts the dense features and context statistics of a chat request. Pure; never throws. */
export function extract(req: ChatRequest): Extracted {
  if (!lexiconBuilt) buildLexicon()
  const messages = Array.isArray(req?.messages) ? req.messages : []
  const ctx: ContextStats = {
    contextWords: 0, turns: 0, messages: messages.length, tools: 0, toolTurns: 0,
    images: 0, audio: 0, files: 0, maxTokens: 0, jsonSchema: false,
  }
  let last = -1
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') { last = i; break }
  if (last < 0) last = messages.length - 1 // no user turn: score the final message
  const focus = freshCounts(0)
  const material = freshCounts(1)
  const rest = freshCounts(2)
  const asked = freshCounts(3)
  const told = freshCounts(4)
  let userWords = 0
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]
    if (!m || typeof m !== 'object') continue
    if (i === last) { visitContent(m.content ?? undefined, focus, ctx, material); continue }
    const before = wordsOf(rest)
    const into = m.role === 'user' ? asked : m.role === 'system' || m.role === 'developer' ? told : undefined
    if (into) BEFORE.set(rest.families)
    const factsBefore = rest.facts
    visitContent(m.content ?? undefined, rest, ctx)
    if (into) {
      if (into === asked) userWords += wordsOf(rest) - before
      for (let f = 0; f < N_FAMILIES; f++) into.families[f] += rest.families[f] - BEFORE[f]
      into.facts += rest.facts - factsBefore
    }
    if (m.role === 'user' || m.role === 'assistant') ctx.turns++
    if (m.role === 'tool' || m.role === 'function') ctx.toolTurns++
    if (m.role === 'assistant' && Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) {
        ctx.toolTurns++
        if (typeof call?.function?.arguments === 'string') scan(call.function.arguments, rest)
      }
    }
  }
  // material under an instruction that only transforms it weighs less (MATERIAL_WEIGHT): the instruction's own
  // material, or, in a one-turn call of an app whose system prompt is the instruction ("extract name, phone and
  // email from the résumé as JSON", "rewrite the user's draft"), the whole turn. Not for an agent with tools: its
  // system prompt's "reply politely" is a rule of conduct, and the user's turn is the task.
  let scored = focus
  const agent = Array.isArray(req?.tools) && req.tools.length > 0
  if (material.letters > 0 && transforms(focus)) addCounts(focus, material, MATERIAL_WEIGHT)
  else if (userWords === 0 && !agent && transforms(told, APP_TRANSFORM)) {
    scored = freshCounts(5)
    scored.switches = focus.switches
    scored.facts = focus.facts
    for (const f of APP_TRANSFORM) scored.families[f] = told.families[f]
    addCounts(scored, focus, MATERIAL_WEIGHT)
    addCounts(scored, material, MATERIAL_WEIGHT)
  } else addCounts(focus, material, 1)
  ctx.contextWords = wordsOf(rest)
  if (Array.isArray(req?.tools)) ctx.tools = req.tools.length
  const max = req?.max_completion_tokens ?? req?.max_tokens
  ctx.maxTokens = typeof max === 'number' && max > 0 ? max : 0
  ctx.jsonSchema = req?.response_format?.type === 'json_schema'
  return { dense: denseOf(scored, rest, ctx, userWords, asked), cjkShare: focus.letters ? focus.cjk / focus.letters : 0, context: ctx }
}
