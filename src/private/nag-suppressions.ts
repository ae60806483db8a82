import { AspectPriority, Aspects, CfnResource, IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * A cdk-nag finding the library accepts on its own resources: the rule, why it is acceptable, and optionally which
 * of the rule's findings it covers.
 */
export interface NagSuppression {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is acceptable: the evidence a reviewer needs (at least 10 characters, as cdk-nag requires). */
  readonly reason: string;
  /**
   * The findings covered, as cdk-nag names them (`Resource::<flattened ARN>`, `Action::<action>`): exact ids
   * (`Resource::${arn}` with an ARN built from CDK tokens is resolved and flattened as cdk-nag does), or
   * `{ regex: '/pattern/flags' }` matched against the ids.
   * Supported for AwsSolutions-IAM5 only, whose findings this module can compute. Without it, the whole rule.
   */
  readonly appliesTo?: Array<string | { regex: string }>;
}

/** The rules whose finding ids `findingsOf` computes; only they may be acknowledged finding by finding. */
const GRANULAR_RULES = ['AwsSolutions-IAM5'];

/**
 * Acknowledges cdk-nag findings on every CloudFormation resource under `scope`, in the formats both cdk-nag
 * generations read, without the library (or its consumers) depending on cdk-nag; users who do not run cdk-nag see
 * inert metadata.
 *
 * - cdk-nag 2.x (an Aspect) reads the CloudFormation metadata `cdk_nag.rules_to_suppress: [{ id, reason,
 *   applies_to }]` of each resource, where `applies_to` holds finding ids or `{ regex }` patterns
 *   (https://github.com/cdklabs/cdk-nag/blob/v2.38.2/src/utils/nag-suppression-helper.ts). Written at once, so that
 *   it is in place before cdk-nag's Aspect visits the resource.
 * - cdk-nag 3.x (a policy-validation plugin) reads only acknowledgements recorded by aws-cdk-lib's
 *   `Validations.of(construct).acknowledge()` (construct metadata `aws:cdk:acknowledged-rules`), and matches ids
 *   exactly: a whole rule as `RuleId`, one finding as `RuleId[FindingId]`, with no patterns
 *   (https://github.com/cdklabs/cdk-nag/blob/main/MIGRATION.md). Finding ids depend on the final policies and logical
 *   ids, so they are computed late, by an Aspect that runs before read-only ones, and only for findings that exist.
 */
export function addNagSuppressions(scope: IConstruct, suppressions: NagSuppression[]): void {
  for (const s of suppressions) {
    if (s.appliesTo && !GRANULAR_RULES.includes(s.id)) {
      throw new Error(`addNagSuppressions: appliesTo is supported for ${GRANULAR_RULES.join(', ')} only; received it for ${s.id}`);
    }
  }
  for (const resource of cfnResourcesUnder(scope)) {
    const existing = (resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as unknown[];
    const added = suppressions.map(({ id, reason, appliesTo }) => (appliesTo
      ? { id, reason, applies_to: appliesTo.map((a) => (typeof a === 'string' ? flattenReference(Stack.of(resource).resolve(a)) : a)) }
      : { id, reason }));
    resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...added] });
  }
  Aspects.of(scope).add(new AcknowledgeFindings(suppressions), { priority: AspectPriority.MUTATING });
}

/** Records the cdk-nag 3.x acknowledgements of the findings the suppressions cover, on each resource visited. */
class AcknowledgeFindings implements IAspect {
  constructor(private readonly suppressions: NagSuppression[]) {}

  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    for (const { id, reason, appliesTo } of this.suppressions) {
      if (!appliesTo) {
        Validations.of(node).acknowledge({ id, reason });
        continue;
      }
      const covered = findingsOf(node).filter((finding) => appliesTo.some((pattern) => matches(node, pattern, finding)));
      for (const finding of covered) Validations.of(node).acknowledge({ id: `${id}[${finding}]`, reason });
    }
  }
}

function matches(resource: CfnResource, pattern: string | { regex: string }, finding: string): boolean {
  if (typeof pattern === 'string') return flattenReference(Stack.of(resource).resolve(pattern)) === finding;
  const parts = /^\/(.+)\/([a-z]*)$/.exec(pattern.regex);
  if (!parts) throw new Error(`addNagSuppressions: a regex must be written '/pattern/flags'; received ${pattern.regex}`);
  // Without the `g` flag: a global RegExp's test() is stateful (lastIndex), and each finding is tested once.
  return new RegExp(parts[1], parts[2].replace('g', '')).test(finding);
}

/**
 * The AwsSolutions-IAM5 finding ids of a resource, as cdk-nag computes them (rule IAMNoWildcardPermissions, the same
 * in 2.x and 3.x): for each Allow statement of an IAM policy, `Action::<action>` for each action with a `*`, and
 * `Resource::<resource>` for each flattened resource with a `*`.
 */
function findingsOf(resource: CfnResource): string[] {
  const stack = Stack.of(resource);
  const documents: unknown[] = [];
  if (resource instanceof iam.CfnPolicy || resource instanceof iam.CfnManagedPolicy) {
    documents.push(stack.resolve(resource.policyDocument));
  } else if (resource instanceof iam.CfnRole || resource instanceof iam.CfnUser || resource instanceof iam.CfnGroup) {
    for (const policy of (stack.resolve(resource.policies) ?? []) as Array<{ policyDocument?: unknown; PolicyDocument?: unknown }>) {
      documents.push(stack.resolve(policy.policyDocument ?? policy.PolicyDocument));
    }
  }
  const findings = new Set<string>();
  for (const document of documents) {
    for (const statement of ((document as { Statement?: unknown[] } | undefined)?.Statement ?? []) as Array<Record<string, unknown>>) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of asArray(statement.Action)) {
        if (typeof action === 'string' && action.includes('*')) findings.add(`Action::${action}`);
      }
      for (const res of asArray(statement.Resource)) {
        const flat = flattenReference(res);
        if (flat.includes('*')) findings.add(`Resource::${flat}`);
      }
    }
  }
  return [...findings];
}

/**
 * A resolved CloudFormation value as the flat string cdk-nag names findings with (its `flattenCfnReference`):
 * `Fn::Join` joined, `Ref` as `<Name>`, `Fn::GetAtt` as `<Name.Attribute>`, `${X}` of `Fn::Sub` as `<X>`.
 */
export function flattenReference(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\${/g, '<').replace(/}/g, '>');
  const node = value as Record<string, any>;
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'];
    return (items as unknown[]).map(flattenReference).join(delimiter);
  }
  if (node['Fn::Sub']) return flattenReference(node['Fn::Sub']);
  if (node['Fn::GetAtt']) {
    const [name, attribute] = node['Fn::GetAtt'];
    return `<${flattenReference(name)}.${flattenReference(attribute)}>`;
  }
  if (node['Fn::ImportValue']) return flattenReference(node['Fn::ImportValue']);
  if (node.Ref) return `<${flattenReference(node.Ref)}>`;
  return JSON.stringify(value);
}

function cfnResourcesUnder(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}
