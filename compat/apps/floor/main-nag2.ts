// cdk-nag 2.x: an Aspect whose findings are stack annotations.
import { Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { newCompatApp, synthAndReport } from './check';

const app = newCompatApp();
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
synthAndReport(app, 'cdk-nag 2.x');
