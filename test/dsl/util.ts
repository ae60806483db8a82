import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseDefinition } from '../../src/kernel/definition-graph';
import { DEFINITIONS_DIR } from '../fixtures';

/** The vendored real-world definitions (test/fixtures/README.md has their provenance). */
export const FIXTURES = DEFINITIONS_DIR;

export function loadFixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf-8'));
}

export function newStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Stack', { env: { account: '111122223333', region: 'us-east-1' } });
}

/** The definition body of the (only) CfnPipeline of a stack, parsed, with CDK intrinsics left as objects. */
export function renderedDefinition(stack: Stack): any {
  const template = Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline');
  const [resource] = Object.values(template) as any[];
  const body = resource.Properties.PipelineDefinition.PipelineDefinitionBody;
  return JSON.parse(typeof body === 'string' ? body : joinIntrinsic(body));
}

/** Flattens `{"Fn::Join": ["", [...]]}` into a string, writing intrinsics as `<Ref:...>` placeholders. */
function joinIntrinsic(value: any): string {
  const [sep, parts] = value['Fn::Join'];
  return parts.map((p: any) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`)).join(sep);
}

/** Every `Get` string inside a value, sorted. */
export function getsOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) {value.forEach((v) => getsOf(v, into));} else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Get' && typeof v === 'string') into.push(v);
      else getsOf(v, into);
    }
  }
  return into.sort();
}

/**
 * The DAG of a definition as comparable data: per step its type, branch parent, predecessors, successors and
 * the references it makes (for a Condition, only those of its conditions).
 */
export function dagOf(definition: any): Record<string, any> {
  const graph = parseDefinition(definition);
  const result: Record<string, any> = {};
  for (const step of graph.steps.values()) {
    const json = step.json as any;
    const scanned = step.type === 'Condition' ? json.Arguments.Conditions : json.Arguments;
    result[step.name] = {
      type: step.type,
      parent: step.parent ?? null,
      predecessors: [...graph.predecessors.get(step.name)!].sort(),
      successors: [...graph.successors.get(step.name)!].sort(),
      dependsOn: [...(json.DependsOn ?? [])].sort(),
      references: getsOf(scanned),
      propertyFiles: json.PropertyFiles ?? [],
    };
  }
  return result;
}
