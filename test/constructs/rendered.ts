import { Template } from 'aws-cdk-lib/assertions';

/**
 * The configuration documents a template deploys (its SSM parameters' values, parsed), by parameter name. A token
 * inside a value (a `Fn::Join` part that is not text) reads as the string `<token>`.
 */
export function documentsOf(template: Template): Record<string, any> {
  const parameters = Object.values(template.findResources('AWS::SSM::Parameter'));
  return Object.fromEntries(parameters.map((p) => [nameOf(p.Properties.Name), JSON.parse(textOf(p.Properties.Value))]));
}

/** The single configuration document of a template with one rule group. */
export function documentOf(template: Template): any {
  const documents = Object.values(documentsOf(template));
  if (documents.length !== 1) throw new Error(`expected one configuration document, found ${documents.length}`);
  return documents[0];
}

/** Every statement of the template's IAM policies (inline role policies and managed policies). */
export function statementsOf(template: Template): any[] {
  return [
    ...Object.values(template.findResources('AWS::IAM::Policy')),
    ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')),
  ].flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** The statements of the policies attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatementsOf(template: Template, rolePrefix: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as any[]).some((r) => typeof r.Ref === 'string' && r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as any)['Fn::Join'];
  if (!join) throw new Error(`unexpected parameter value ${JSON.stringify(value)}`);
  return (join[1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<token>')).join(join[0]);
}

function nameOf(name: unknown): string {
  return typeof name === 'string' ? name : textOf(name);
}
