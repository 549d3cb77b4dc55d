/**
 * The Worker: Triage's Hono app, and the TenantLedger Durable Object (one per tenant: the authority on money).
 */
import { createApp } from './app'

export { TenantLedger } from './ledger'
export default createApp()
