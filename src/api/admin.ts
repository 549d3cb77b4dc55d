/**
 * The admin API's handlers (`/admin/tenants…`): tenants, keys, budgets and usage. src/app.ts routes to them behind
 * the admin-auth middleware and the body cap (src/admin), and loads this module on the first admin request.
 * Every body is validated; every error is in OpenAI's format.
 *
 * @example
 * curl -s localhost:8787/admin/tenants -H "authorization: Bearer $ADMIN_TOKEN" \
 *   -d '{"name":"acme","budget":{"daily_usd":5,"monthly_usd":50}}'
 * // 201 {"object":"tenant","id":"ten_…","api_key":"trg_…",…}   (the key is shown once)
 */
import type { Context } from 'hono'
import * as z from 'zod/mini'
import type { AppEnv } from '../server/base'
import { ApiError } from '../http/errors'
import { formatUsd, parseUsd } from '../money'
import {
  PolicySchema, createTenant, getTenantRecord, putTenantRecord, issueKey, revokeKey, listTenantRecords,
  toTenant, forgetTenant, resolvePolicy, tenantKey, type TenantRecord, type BudgetUsd,
} from '../tenants'
import { configureLedger, ledgerStub, readUsage } from '../ledger'


// ---- bodies ----

const usd = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((v: number | string, ctx) => {
    const nano = parseUsd(v)
    if (nano === undefined) {
      ctx.issues.push({ code: 'custom', message: 'must be a non-negative USD amount with at most 9 decimals, e.g. 5 or "12.50"', input: v })
      return z.NEVER
    }
    return formatUsd(nano)
  }),
)
const BudgetBody = z.strictObject({ daily_usd: z.optional(z.nullable(usd)), monthly_usd: z.optional(z.nullable(usd)) })
const name = z.string().check(z.trim(), z.minLength(1), z.maxLength(100))
const CreateBody = z.strictObject({ name, budget: z.optional(BudgetBody), policy: z.optional(PolicySchema) })
const PatchBody = z.strictObject({ name: z.optional(name), budget: z.optional(BudgetBody), policy: z.optional(z.nullable(PolicySchema)), disabled: z.optional(z.boolean()) })
const RotateBody = z.strictObject({ revoke_existing: z.optional(z.boolean()) })
const UsageQuery = z.object({
  days: z.optional(z.pipe(z.string().check(z.regex(/^\d{1,3}$/, 'must be a whole number')), z.pipe(z.transform(Number), z.int().check(z.gte(1), z.lte(366))))),
  months: z.optional(z.pipe(z.string().check(z.regex(/^\d{1,2}$/, 'must be a whole number')), z.pipe(z.transform(Number), z.int().check(z.gte(1), z.lte(24))))),
})

/** Parses and validates a JSON body (an empty body counts as `{}` when `optional`). 400 in OpenAI format otherwise. */
export async function readBody<T>(c: Context, schema: z.ZodMiniType<T>, optional = false): Promise<T> {
  const text = await c.req.text()
  let json: unknown = {}
  if (text.trim() || !optional) {
    try {
      json = JSON.parse(text)
    } catch {
      throw new ApiError(400, 'The request body must be valid JSON.', { code: 'invalid_json' })
    }
  }
  return validate(schema, json)
}

export function validate<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const param = issue.path.length ? issue.path.map(String).join('.') : null
  throw new ApiError(400, `Invalid request: ${param ? `'${param}': ` : ''}${issue.message}`, { param, code: 'invalid_request' })
}

function mergeBudget(current: BudgetUsd, patch: z.infer<typeof BudgetBody>): BudgetUsd {
  const next: BudgetUsd = { ...current }
  for (const k of ['daily_usd', 'monthly_usd'] as const) {
    if (patch[k] === null) delete next[k]
    else if (patch[k] !== undefined) next[k] = patch[k]
  }
  return next
}

/** A tenant as the admin API shows it: no key material, not even hashes. */
function view(r: TenantRecord) {
  return {
    object: 'tenant' as const,
    id: r.id,
    name: r.name,
    budget: { daily_usd: r.budget.daily_usd ?? null, monthly_usd: r.budget.monthly_usd ?? null },
    policy: resolvePolicy(r.policy),
    disabled: !!r.disabled,
    created_at: r.created_at,
    updated_at: r.updated_at,
    keys: r.keys.map((k) => ({ key_id: k.key_id, prefix: k.prefix, created_at: k.created_at, revoked_at: k.revoked_at ?? null })),
  }
}

async function load(c: Context<AppEnv>): Promise<TenantRecord> {
  const id = c.req.param('id') ?? ''
  const r = await getTenantRecord(c.env.TRIAGE_KV, id)
  if (!r) throw new ApiError(404, `No tenant with id '${id}'.`, { code: 'tenant_not_found', param: 'id' })
  return r
}

/** Moves `updated_at` past its old value (1 ms later at least), so every change to a record has a later one. */
function touch(r: TenantRecord): void {
  r.updated_at = new Date(Math.max(Date.now(), Date.parse(r.updated_at) + 1)).toISOString()
}

/** Writes a changed tenant: KV record, the ledger's budget (authoritative for enforcement), and this isolate's auth cache. */
async function save(c: Context<AppEnv>, r: TenantRecord): Promise<void> {
  touch(r)
  await putTenantRecord(c.env.TRIAGE_KV, r)
  await configureLedger(c.env, toTenant(r))
  forgetTenant(r.id)
}

// ---- handlers ----

type C = Context<AppEnv>

async function create(c: C) {
  const body = await readBody(c, CreateBody)
  const { record, apiKey, keyId } = await createTenant(c.env.TRIAGE_KV, { name: body.name, budget: mergeBudget({}, body.budget ?? {}), policy: body.policy })
  await configureLedger(c.env, toTenant(record))
  return c.json({ ...view(record), api_key: apiKey, key_id: keyId }, 201)
}

async function list(c: C) {
  const limit = validate(z.optional(z.pipe(z.string().check(z.regex(/^\d{1,4}$/)), z.pipe(z.transform(Number), z.int().check(z.gte(1), z.lte(1000))))), c.req.query('limit'))
  const page = await listTenantRecords(c.env.TRIAGE_KV, { limit: limit ?? 100, cursor: c.req.query('cursor') || undefined })
  return c.json({ object: 'list', data: page.records.map(view), next_cursor: page.cursor ?? null })
}

async function get(c: C) {
  return c.json(view(await load(c)))
}

async function patch(c: C) {
  const body = await readBody(c, PatchBody)
  const r = await load(c)
  if (body.name !== undefined) r.name = body.name
  if (body.budget !== undefined) r.budget = mergeBudget(r.budget, body.budget)
  if (body.policy === null) delete r.policy
  else if (body.policy !== undefined) r.policy = body.policy
  if (body.disabled !== undefined) r.disabled = body.disabled
  await save(c, r)
  return c.json(view(r))
}

const setDisabled = (disabled: boolean) => async (c: C) => {
  const r = await load(c)
  r.disabled = disabled
  await save(c, r)
  return c.json(view(r))
}

/**
 * Deletes a tenant: every key is revoked (it answers 401 from then on) and the tenant leaves every list. Its spend
 * totals and per-request records stay in KV, for audit, and the dashboard still counts them under its id.
 */
async function remove(c: C) {
  const r = await load(c)
  const revoked: string[] = []
  for (const k of r.keys) {
    if (!k.revoked_at) revoked.push(k.key_id)
    await revokeKey(c.env.TRIAGE_KV, r, k.key_id)
  }
  // The ledger refuses its requests within 1 s in every isolate, whatever KV and the isolates' key caches still hold.
  r.disabled = true
  touch(r)
  await configureLedger(c.env, toTenant(r))
  await c.env.TRIAGE_KV.delete(tenantKey(r.id))
  forgetTenant(r.id)
  return c.json({ object: 'tenant', id: r.id, deleted: true, revoked_keys: revoked })
}

async function putBudget(c: C) {
  const body = await readBody(c, BudgetBody)
  const r = await load(c)
  // PUT replaces: a window left out is removed (unlimited).
  r.budget = mergeBudget({}, body)
  await save(c, r)
  return c.json(view(r))
}

async function issueTenantKey(c: C) {
  const body = await readBody(c, RotateBody, true)
  const r = await load(c)
  const revoked: string[] = []
  if (body.revoke_existing) {
    for (const k of r.keys) {
      if (!k.revoked_at && (await revokeKey(c.env.TRIAGE_KV, r, k.key_id))) revoked.push(k.key_id)
    }
  }
  const { apiKey, entry } = await issueKey(c.env.TRIAGE_KV, r)
  await save(c, r)
  return c.json({ object: 'api_key', tenant: r.id, key_id: entry.key_id, api_key: apiKey, prefix: entry.prefix, created_at: entry.created_at, revoked }, 201)
}

async function revokeTenantKey(c: C) {
  const r = await load(c)
  const keyId = c.req.param('key_id') ?? ''
  if (!(await revokeKey(c.env.TRIAGE_KV, r, keyId))) {
    throw new ApiError(404, `Tenant '${r.id}' has no key '${keyId}'.`, { code: 'key_not_found', param: 'key_id' })
  }
  await save(c, r)
  return c.json({ object: 'api_key', tenant: r.id, key_id: keyId, revoked: true })
}

async function usage(c: C) {
  const q = validate(UsageQuery, c.req.query())
  const r = await load(c)
  const [kv, ledger] = await Promise.all([
    readUsage(c.env.TRIAGE_KV, r.id, { days: q.days ?? 31, months: q.months ?? 2 }),
    ledgerStub(c.env, r.id).snapshot(),
  ])
  return c.json({
    object: 'usage',
    tenant: { id: r.id, name: r.name },
    currency: 'USD',
    budget: view(r).budget,
    // The ledger's own numbers (authoritative, strongly consistent).
    ledger: {
      daily: { ...ledger.daily, spent_usd: formatUsd(ledger.daily.spent_nano), limit_usd: ledger.daily.limit_nano === null ? null : formatUsd(ledger.daily.limit_nano) },
      monthly: { ...ledger.monthly, spent_usd: formatUsd(ledger.monthly.spent_nano), limit_usd: ledger.monthly.limit_nano === null ? null : formatUsd(ledger.monthly.limit_nano) },
      held_nano: ledger.held_nano,
      held_usd: formatUsd(ledger.held_nano),
      available_nano: ledger.available_nano,
      leases: ledger.leases.length,
      reservations: ledger.reservations.length,
      kv_pending: ledger.kv_pending,
    },
    // The KV read path (what /v1/usage and the dashboard read; equal to the ledger once flushed).
    days: kv.days,
    months: kv.months,
  })
}

/** The admin API's handlers, by route (src/app.ts). */
export const tenantHandlers = {
  create, list, get, patch, remove, putBudget, issueTenantKey, revokeTenantKey, usage,
  disable: setDisabled(true), enable: setDisabled(false),
}
