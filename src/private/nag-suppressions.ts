import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag rule suppression: the rule id, why it is acceptable, and optionally which findings it covers. */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Finding ids, or `{ regex }` patterns, as cdk-nag's `appliesTo`. */
  readonly appliesTo?: Array<string | { regex: string }>;
}

/**
 * Records cdk-nag suppressions on the CloudFormation resources under `scope`, in the metadata format cdk-nag reads
 * (`cdk_nag.rules_to_suppress`, see cdk-nag's NagSuppressionHelper). Written directly so that the library does not
 * make cdk-nag a dependency of its consumers; users who run cdk-nag see our reasons, others see inert metadata.
 */
export function addNagSuppressions(scope: IConstruct, suppressions: NagSuppression[]): void {
  const resources = scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
  for (const resource of resources) {
    const existing = (resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as unknown[];
    const added = suppressions.map(({ appliesTo, ...rest }) => (appliesTo ? { ...rest, applies_to: appliesTo } : { ...rest }));
    resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...added] });
  }
}
