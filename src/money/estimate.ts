/**
 * An upper bound on a request's input tokens, for the worst-case reservation: the UTF-8 bytes of everything the
 * model reads, plus framing.
 *
 * Why bytes: byte-level BPE tokenisers (OpenAI's cl100k and o200k, Llama 3, DeepSeek, …) start from one token per
 * byte and only ever merge, so no text can become more tokens than it has UTF-8 bytes; SentencePiece with byte
 * fallback is the same plus a word-start marker per text. No prompt can beat this bound, however dense ("1 2 3 …",
 * base64, punctuation, emoji, rare CJK). What it costs on ordinary prompts (about 4× an English prompt's real count)
 * is measured by `npm run measure:estimate` and stated in docs/BUDGETS.md. Spend is settled from the provider's
 * real usage, so the bound only sizes the hold.
 *
 * Framing: each message adds MESSAGE_OVERHEAD tokens plus its role and name (OpenAI counts 3 per message, 1 per
 * name, 3 to prime the reply), each text part one more (the SentencePiece word marker); images count IMAGE_TOKENS;
 * tools, tool calls and other parts count by their JSON bytes, and tools add Anthropic's tool-use system prompt.
 *
 * @example estimateInputTokens({ model: 'auto', messages: [{ role: 'user', content: 'hello world' }] }) // 4 + (4 + 4) + (11 + 1) = 24
 */
import type { ChatRequest } from '../openai/request'

/**
 * Tokens charged per image part: above every documented per-image cost of the default premium models:
 * gpt-4.1 at high detail 85 + 8 tiles × 170 = 1,445; gpt-4.1-mini 1,536 patches × 1.62 = 2,489
 * (https://platform.openai.com/docs/guides/images-vision, "Calculating costs"); Claude about 1,600 for the largest
 * image it keeps unresized (https://docs.anthropic.com/en/docs/build-with-claude/vision, "Calculate image costs").
 */
export const IMAGE_TOKENS = 2_500
/** Per message: OpenAI's 3 tokens of framing (`<|start|>…<|message|>…<|end|>`), and 1 for a name. */
const MESSAGE_OVERHEAD = 4
/** Per request: the 3 tokens that prime the reply, rounded up. */
const REQUEST_OVERHEAD = 4
/** Anthropic's tool-use system prompt, at most 346 tokens (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/overview, "Pricing"). */
const TOOL_PROMPT_TOKENS = 346
/** The JSON-mode instruction the Anthropic adapter adds to the system prompt (src/providers/anthropic), in bytes and rounded up. */
const JSON_MODE_PROMPT_TOKENS = 96

/**
 * The UTF-8 byte length of a string, without encoding it: an upper bound on its tokens under byte-level BPE.
 * A lone surrogate counts 3 (TextEncoder writes U+FFFD).
 *
 * @example textTokens('héllo') // 6
 */
export function textTokens(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2 // a surrogate pair: 2 code units, 4 bytes
      i++
    } else n += 2
  }
  return n
}

export function estimateInputTokens(req: ChatRequest): number {
  // Reserving for several candidate models, and settling a stream cut before usage, ask for the same request's
  // estimate: compute it once per request object.
  let n = estimates.get(req)
  if (n === undefined) estimates.set(req, (n = countInputTokens(req)))
  return n
}

const estimates = new WeakMap<ChatRequest, number>()

/** A text the model reads: its bytes, plus the word-start marker a SentencePiece tokeniser may add. */
const text = (s: string) => textTokens(s) + 1

function countInputTokens(req: ChatRequest): number {
  let tokens = REQUEST_OVERHEAD
  for (const m of req.messages) {
    const extra = m as { content?: unknown; tool_calls?: unknown; name?: string; tool_call_id?: string }
    tokens += MESSAGE_OVERHEAD + textTokens(m.role)
    const content = extra.content
    if (typeof content === 'string') tokens += text(content)
    else if (Array.isArray(content)) {
      for (const part of content as Array<Record<string, unknown>>) {
        if (part.type === 'text') tokens += text(String(part.text ?? ''))
        else if (part.type === 'image_url') tokens += IMAGE_TOKENS
        else if (part.type === 'refusal') tokens += text(String(part.refusal ?? ''))
        else tokens += text(JSON.stringify(part))
      }
    }
    if (extra.tool_calls) tokens += text(JSON.stringify(extra.tool_calls))
    if (typeof extra.name === 'string') tokens += text(extra.name)
    if (typeof extra.tool_call_id === 'string') tokens += text(extra.tool_call_id) // validated on tool messages only
  }
  if (req.tools) tokens += TOOL_PROMPT_TOKENS + text(JSON.stringify(req.tools))
  if (req.response_format && req.response_format.type !== 'text') tokens += JSON_MODE_PROMPT_TOKENS + text(JSON.stringify(req.response_format))
  return tokens
}

/**
 * Special tokens an embedding model adds per input: BERT's [CLS] and [SEP] (bge-*-en), XLM-R's <s>, </s> and the
 * word-start marker of the first word (bge-m3). OpenAI's embedding models add none.
 */
const EMBEDDING_INPUT_OVERHEAD = 3

/**
 * An upper bound on an embedding request's input tokens: each text's UTF-8 bytes plus EMBEDDING_INPUT_OVERHEAD
 * (WordPiece and SentencePiece make at most one token per byte, byte-level BPE the same), each token array its
 * length. The reservation of `/v1/embeddings`, and its charge when the provider reports no usage (Workers AI).
 *
 * @example embeddingInputTokens(['hello', 'héllo']) // (5 + 3) + (6 + 3) = 17
 */
export function embeddingInputTokens(input: readonly string[] | readonly number[][]): number {
  let n = 0
  for (const x of input) n += typeof x === 'string' ? textTokens(x) + EMBEDDING_INPUT_OVERHEAD : x.length
  return n
}
