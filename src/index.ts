export default { fetch: () => new Response('ok') }
export class TenantLedger { constructor() {} fetch() { return new Response('x') } }
