import type { PlacementService } from '../service.js';
import { capacityOf, fits } from './capacity.js';
import { aggregatesMatch, isEmptyTraitQuery, loadProviderFacts, traitsMatch, type AggregateQuery, type ProviderFacts, type TraitQuery } from './provider-facts.js';

/** One request group of GET /allocation_candidates: `resources`, or `resources<suffix>` with its own filters. */
export interface RequestGroup {
  /** '' for the unsuffixed group, whose resources may come from several providers of one tree. */
  suffix: string;
  resources: Map<string, number>;
  traits: TraitQuery;
  memberOf: AggregateQuery;
  inTree?: string;
}

export interface CandidateQuery {
  groups: RequestGroup[];
  /** 'isolate': different suffixed groups never share a provider. */
  groupPolicy: 'none' | 'isolate';
  limit?: number;
  /** Traits the root of the tree must have (root_required, 1.35). */
  rootTraits: TraitQuery;
  /** Each entry lists suffixes whose providers must sit in one subtree (same_subtree, 1.36). */
  sameSubtree: string[][];
  /** Nested providers take part (1.29); before, only root providers do. */
  nested: boolean;
}

/** Amounts per provider per class. */
export type Allocations = Map<string, Map<string, number>>;

export interface Candidate {
  allocations: Allocations;
  /** Suffix -> providers that satisfied that group (1.34). */
  mappings: Map<string, string[]>;
}

export interface CandidateResult {
  candidates: Candidate[];
  /** The providers the summaries describe: every provider of each tree with a candidate (nested) or the candidates' providers. */
  summaries: ProviderFacts[];
}

/** A group's way of being satisfied in one tree: which provider gives each class. */
type Assignment = Map<string, string>;

/** Most combinations examined per tree, so a wide tree cannot make one request run away. */
const MAX_COMBINATIONS_PER_TREE = 10_000;

/**
 * Finds the allocation requests that would satisfy every group at once, tree by tree,
 * in provider creation order, as Placement does with randomisation off.
 */
export async function findCandidates(svc: PlacementService, query: CandidateQuery): Promise<CandidateResult> {
  const facts = await loadProviderFacts(svc.db);
  const trees = new Map<string, ProviderFacts[]>();
  for (const f of facts.values()) {
    if (!query.nested && f.row.parent_uuid !== null) continue;
    const tree = trees.get(f.row.root_uuid);
    if (tree) tree.push(f);
    else trees.set(f.row.root_uuid, [f]);
  }
  const candidates: Candidate[] = [];
  const summaries = new Map<string, ProviderFacts>();
  const seen = new Set<string>();
  const sharing = [...facts.values()].filter((f) => f.traits.has(SHARES_VIA_AGGREGATE));
  for (const [rootUuid, tree] of trees) {
    if (query.limit !== undefined && candidates.length >= query.limit) break;
    const root = facts.get(rootUuid);
    if (!root || !traitsMatch(root.traits, query.rootTraits)) continue;
    const shared = sharedWith(tree, sharing);
    const found = candidatesInTree(shared.length > 0 ? [...tree, ...shared] : tree, facts, query);
    if (found.length === 0) continue;
    for (const c of found) {
      // Different group choices (or trees sharing one provider) can add up to the same allocations; only then is a key worth building.
      if (found.length > 1 || sharing.length > 0) {
        const key = canonicalKey(c.allocations);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      candidates.push(c);
      if (!query.nested) for (const p of c.allocations.keys()) summaries.set(p, facts.get(p)!);
      if (query.limit !== undefined && candidates.length >= query.limit) break;
    }
    if (query.nested) for (const f of [...tree, ...shared]) summaries.set(f.row.uuid, f);
  }
  if (query.limit !== undefined && query.nested) {
    // Summaries describe only the trees the returned candidates use.
    const used = new Set(candidates.flatMap((c) => [...c.allocations.keys()].map((p) => facts.get(p)!.row.root_uuid)));
    for (const c of candidates) for (const p of c.allocations.keys()) used.add(p);
    for (const [uuid, f] of summaries) if (!used.has(f.row.root_uuid)) summaries.delete(uuid);
  }
  return { candidates, summaries: [...summaries.values()] };
}

/** Providers with this trait lend their inventory to every provider they share an aggregate with (shared storage, IP pools). */
const SHARES_VIA_AGGREGATE = 'MISC_SHARES_VIA_AGGREGATE';

/** The sharing providers (outside the tree) that share an aggregate with one of the tree's providers. */
function sharedWith(tree: ProviderFacts[], sharing: ProviderFacts[]): ProviderFacts[] {
  if (sharing.length === 0) return [];
  const members = new Set(tree.map((f) => f.row.uuid));
  const aggregates = new Set(tree.flatMap((f) => [...f.aggregates]));
  return sharing.filter((s) => !members.has(s.row.uuid) && [...s.aggregates].some((a) => aggregates.has(a)));
}

/**
 * A tree's candidates; `tree` also holds the sharing providers lent to it, whose
 * inventory any group may draw on as if they were part of the tree.
 */
function candidatesInTree(tree: ProviderFacts[], facts: Map<string, ProviderFacts>, query: CandidateQuery): Candidate[] {
  if (tree.length === 1 && query.groups.length === 1) return loneProvider(tree[0]!, facts, query.groups[0]!);
  const perGroup: Assignment[][] = [];
  for (const group of query.groups) {
    const options = group.suffix === '' ? unsuffixedOptions(tree, facts, group) : suffixedOptions(tree, facts, group);
    if (options.length === 0) return [];
    perGroup.push(options);
  }
  const out: Candidate[] = [];
  let examined = 0;
  const choose = (i: number, chosen: Assignment[]): void => {
    if (examined >= MAX_COMBINATIONS_PER_TREE) return;
    if (i === perGroup.length) {
      examined++;
      const c = combine(query, chosen, facts);
      if (c) out.push(c);
      return;
    }
    for (const option of perGroup[i]!) choose(i + 1, [...chosen, option]);
  };
  choose(0, []);
  return out;
}

/** The common case, a compute node without children asked for one group: no combinations to try. */
function loneProvider(f: ProviderFacts, facts: Map<string, ProviderFacts>, group: RequestGroup): Candidate[] {
  for (const [rc, n] of group.resources) if (!hasRoom(f, rc, n)) return [];
  if (!inTree(f, group, facts) || !memberOk(f, group, facts) || !traitsMatch(f.traits, group.traits)) return [];
  return [{ allocations: new Map([[f.row.uuid, group.resources]]), mappings: new Map([[group.suffix, [f.row.uuid]]]) }];
}

function inTree(f: ProviderFacts, group: RequestGroup, facts: Map<string, ProviderFacts>): boolean {
  if (!group.inTree) return true;
  const anchor = facts.get(group.inTree);
  return anchor !== undefined && anchor.row.root_uuid === f.row.root_uuid;
}

/** member_of is met by the provider itself or by the root of its tree. */
function memberOk(f: ProviderFacts, group: RequestGroup, facts: Map<string, ProviderFacts>): boolean {
  if (group.memberOf.anyOf.length === 0 && group.memberOf.forbidden.length === 0) return true;
  const root = facts.get(f.row.root_uuid);
  const aggregates = root && root !== f ? new Set([...f.aggregates, ...root.aggregates]) : f.aggregates;
  return aggregatesMatch(aggregates, group.memberOf);
}

function hasRoom(f: ProviderFacts, rc: string, amount: number): boolean {
  const inv = f.inventories.get(rc);
  return inv !== undefined && fits(inv, f.usage.get(rc) ?? 0, amount);
}

/** A suffixed group: one provider gives every class, and carries the group's traits. */
function suffixedOptions(tree: ProviderFacts[], facts: Map<string, ProviderFacts>, group: RequestGroup): Assignment[] {
  const out: Assignment[] = [];
  for (const f of tree) {
    if (!inTree(f, group, facts) || !memberOk(f, group, facts) || !traitsMatch(f.traits, group.traits)) continue;
    if (![...group.resources].every(([rc, n]) => hasRoom(f, rc, n))) continue;
    out.push(new Map([...group.resources.keys()].map((rc) => [rc, f.row.uuid])));
  }
  return out;
}

/** The unsuffixed group: each class from any provider of the tree; the providers used together carry the traits. */
function unsuffixedOptions(tree: ProviderFacts[], facts: Map<string, ProviderFacts>, group: RequestGroup): Assignment[] {
  const choices: Array<[string, ProviderFacts[]]> = [];
  for (const [rc, n] of group.resources) {
    const able = tree.filter((f) => inTree(f, group, facts) && memberOk(f, group, facts) && hasRoom(f, rc, n));
    if (able.length === 0) return [];
    choices.push([rc, able]);
  }
  const out: Assignment[] = [];
  const pick = (i: number, current: Assignment): void => {
    if (out.length >= MAX_COMBINATIONS_PER_TREE) return;
    if (i === choices.length) {
      if (!isEmptyTraitQuery(group.traits)) {
        const providers = [...new Set(current.values())].map((p) => facts.get(p)!);
        const union = new Set(providers.flatMap((p) => [...p.traits]));
        if (!traitsMatch(union, group.traits)) return;
      }
      out.push(new Map(current));
      return;
    }
    const [rc, able] = choices[i]!;
    for (const f of able) {
      current.set(rc, f.row.uuid);
      pick(i + 1, current);
    }
    current.delete(rc);
  };
  pick(0, new Map());
  return out;
}

/** Joins one option per group into a candidate, or undefined when they clash. */
function combine(query: CandidateQuery, chosen: Assignment[], facts: Map<string, ProviderFacts>): Candidate | undefined {
  const allocations: Allocations = new Map();
  const mappings = new Map<string, string[]>();
  const suffixedProviders = new Map<string, string>();
  for (let i = 0; i < chosen.length; i++) {
    const group = query.groups[i]!;
    const providers = new Set<string>();
    for (const [rc, provider] of chosen[i]!) {
      const amounts = allocations.get(provider) ?? new Map<string, number>();
      amounts.set(rc, (amounts.get(rc) ?? 0) + group.resources.get(rc)!);
      allocations.set(provider, amounts);
      providers.add(provider);
    }
    if (group.suffix !== '' && query.groupPolicy === 'isolate') {
      for (const p of providers) {
        if (suffixedProviders.has(p)) return undefined;
        suffixedProviders.set(p, group.suffix);
      }
    }
    mappings.set(group.suffix, [...providers]);
  }
  // Each group's amount was checked alone; two groups drawing one class from one provider must fit together.
  for (const [provider, amounts] of allocations) {
    const f = facts.get(provider)!;
    for (const [rc, n] of amounts) if ((f.usage.get(rc) ?? 0) + n > capacityOf(f.inventories.get(rc)!)) return undefined;
  }
  for (const suffixes of query.sameSubtree) if (!inOneSubtree(suffixes.flatMap((s) => mappings.get(s) ?? []), facts)) return undefined;
  return { allocations, mappings };
}

/** True when one of the providers is an ancestor of (or equal to) all the others. */
function inOneSubtree(providers: string[], facts: Map<string, ProviderFacts>): boolean {
  if (providers.length <= 1) return true;
  const ancestors = (uuid: string): Set<string> => {
    const out = new Set<string>();
    for (let at: string | null = uuid; at; at = facts.get(at)?.row.parent_uuid ?? null) out.add(at);
    return out;
  };
  const lines = providers.map(ancestors);
  return providers.some((top) => lines.every((line) => line.has(top)));
}

function canonicalKey(allocations: Allocations): string {
  return [...allocations].map(([p, a]) => `${p}:${[...a].sort().map(([rc, n]) => `${rc}=${n}`).join(',')}`).sort().join(';');
}
