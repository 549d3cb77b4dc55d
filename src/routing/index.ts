/**
 * Routing: which tier and models serve a request, and what it reserves.
 *
 * - `decide()` (./decide.ts): the one routing decision both endpoints use: score, tier cap, plan, the request as it
 *   will be sent, its reservation, fitting the budget before refusing.
 * - `plan()` (./plan.ts): the tier's candidates for a decision and a cap, pure, its dependencies passed in.
 *
 * @example
 * const { decision, plan, request, reservation } = decide({ req, tenant, headroom, config, available })
 */
export { decide, capFor, thresholdsFor, routingSetting, type DecideInput, type Routing, type RoutingSetting } from './decide'
export { plan, modelNames, parseTier, type Plan, type PlanInput } from './plan'
/** Whether a connection can be called from this Worker (credentials, or the AI binding): the provider registry decides. */
export { providerAvailability } from '../providers'
