import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AbaloneStack } from '../../examples/abalone/abalone-stack';

describe('the README abalone example (examples/abalone)', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AbaloneStack(app, 'Abalone', { env: { account: '111122223333', region: 'eu-west-1' } });
  const assembly = app.synth();
  const template = Template.fromStack(stack);

  test('stages its scripts as an asset and runs SageMaker images of its region, with nothing uploaded by hand', () => {
    const artifact = assembly.getStackByName(stack.stackName);
    const manifestFile = (artifact.dependencies.find((d) => d.id === `${artifact.id}.assets`)!.manifest.properties as any).file;
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, manifestFile), 'utf8'));
    const zips = Object.values(manifest.files).filter((f: any) => f.source.packaging === 'zip' && f.source.path.startsWith('asset.'));
    expect(zips.length).toBeGreaterThanOrEqual(1);

    const body = JSON.stringify(template.findResources('AWS::SageMaker::Pipeline'));
    expect(body).toContain('141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3');
    expect(body).toContain('141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1');
    expect(body).toContain('exec python3 preprocess.py');
    expect(body).toContain('exec python3 evaluate.py');
    expect(body).toContain("FinalMetricDataList['validation:rmse'].Value");
  });

  test('grants the job role the sample object, its bucket prefixes and its code, and nothing account-wide', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':s3:::sagemaker-example-files-prod-eu-west-1/datasets/tabular/uci_abalone/abalone.csv');
    expect(policies).not.toMatch(/"Resource":"\*"/);
  });

  test('cdk-nag: no finding, and no suppression in the app (the library acknowledges exactly the wildcards it grants)', () => {
    Aspects.of(stack).add(new AwsSolutionsChecks());
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    // Objects under a prefix are a wildcard by nature: S3Location acknowledges each prefix it grants on the job role.
    // The pipeline role's job-type wildcards (names SageMaker generates at run time) are acknowledged on that role.
    expect([...errors, ...warnings].map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
    const acknowledged = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    for (const prefix of ['abalone', 'abalone/evaluation', 'abalone/models', 'abalone/test', 'abalone/train', 'abalone/validation']) {
      expect(acknowledged).toContain(`"Resource::<Data666C94C7.Arn>/${prefix}/*"`);
    }
  });
});
