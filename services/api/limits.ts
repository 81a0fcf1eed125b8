/**
 * Query limits, checked on the parsed document with its variables before anything runs (and
 * before GraphQL's own validation, whose overlapping-fields rule is quadratic in aliases): depth,
 * aliases, `first` above the page limit, and a static cost. Each refusal is a GraphQL error with
 * its own `extensions.code` and HTTP status 400, answered within milliseconds.
 *
 * Cost: every field costs 1; a field with a `first` argument multiplies its selection's cost by
 * `first` (its default when absent); the transitive searches (blastRadius, dependents, lineage)
 * cost TRANSITIVE_COST each on top; lists without `first` count LIST_FACTOR times.
 */
import {
  GraphQLError,
  Kind,
  getNamedType,
  isObjectType,
  isInterfaceType,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MAX_PAGE } from './inputs.js';

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

const TRANSITIVE_COST = 1000;
const TRANSITIVE_FIELDS = new Set([
  'Query.blastRadius',
  'Query.dependents',
  'Query.lineage',
  'Artifact.dependents',
]);
/** Lists without paging and how many items they are assumed to hold. */
const LIST_FACTOR: Record<string, number> = {
  'Query.whoSigned': 50,
  'PackageVersion.signatures': 50,
  'PackageVersion.artifacts': 10,
  'Lineage.nodes': 100,
  'Lineage.edges': 100,
};

function refusal(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/** The errors a request's limits give (empty when it may run). */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  limits: Limits,
): GraphQLError[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  const op = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!op) return []; // GraphQL's own validation explains a missing operation
  const vars = variables ?? {};

  let aliases = 0;
  let maxDepthSeen = 0;
  const errors: GraphQLError[] = [];

  const argValue = (field: GraphQLField<unknown, unknown> | undefined, name: string, node: FieldNode) => {
    const arg = node.arguments?.find((a) => a.name.value === name);
    const def = field?.args.find((a) => a.name === name);
    if (!arg) return def?.defaultValue;
    if (arg.value.kind === Kind.VARIABLE) return vars[arg.value.name.value] ?? def?.defaultValue;
    return def ? valueFromAST(arg.value, def.type, vars) : undefined;
  };

  /** Cost of a selection set on `type`, with depth; fragments are followed with a guard. */
  const walk = (
    set: SelectionSetNode,
    type: GraphQLNamedType | undefined,
    depth: number,
    seen: Set<string>,
  ): number => {
    if (depth > maxDepthSeen) maxDepthSeen = depth;
    if (depth > limits.maxDepth) return 0;
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) aliases++;
        if (aliases > limits.maxAliases) return cost;
        const fields = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : undefined;
        const field = fields?.[sel.name.value];
        const key = `${type?.name}.${sel.name.value}`;
        let fieldCost = 1;
        if (sel.selectionSet) {
          const inner = walk(sel.selectionSet, field ? getNamedType(field.type) : undefined, depth + 1, seen);
          let factor = LIST_FACTOR[key] ?? 1;
          if (field?.args.some((a) => a.name === 'first')) {
            const first = argValue(field, 'first', sel);
            if (typeof first === 'number' && first > MAX_PAGE)
              errors.push(
                refusal(
                  'BAD_USER_INPUT',
                  `${sel.name.value}: first must be at most ${MAX_PAGE} (page with after)`,
                ),
              );
            factor = typeof first === 'number' && first >= 0 ? Math.max(first, 1) : 100;
          }
          fieldCost += factor * inner;
        }
        if (TRANSITIVE_FIELDS.has(key)) fieldCost += TRANSITIVE_COST;
        cost += fieldCost;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        cost += walk(sel.selectionSet, t ?? undefined, depth, seen);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || seen.has(name)) continue; // unknown or cyclic: GraphQL's validation reports it
        const t = schema.getType(frag.typeCondition.name.value);
        cost += walk(frag.selectionSet, t ?? undefined, depth, new Set([...seen, name]));
      }
      if (aliases > limits.maxAliases || maxDepthSeen > limits.maxDepth) return cost;
    }
    return cost;
  };

  const root =
    op.operation === 'query'
      ? schema.getQueryType()
      : op.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getMutationType();
  const cost = walk(op.selectionSet, root ?? undefined, 1, new Set());

  if (maxDepthSeen > limits.maxDepth)
    return [refusal('QUERY_TOO_DEEP', `query depth exceeds the limit of ${limits.maxDepth}`)];
  if (aliases > limits.maxAliases)
    return [refusal('TOO_MANY_ALIASES', `query has more than ${limits.maxAliases} aliases`)];
  if (errors.length > 0) return errors.slice(0, 1);
  if (cost > limits.maxCost)
    return [
      refusal(
        'QUERY_TOO_COSTLY',
        `query cost ${cost} exceeds the limit of ${limits.maxCost} (ask for smaller pages or fewer fields)`,
      ),
    ];
  return [];
}
