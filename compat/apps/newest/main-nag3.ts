// cdk-nag 3.x: a policy-validation plugin, whose findings are in the assembly's validation report.
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { newCompatApp, synthAndReport } from './check';

const app = newCompatApp();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
synthAndReport(app, 'cdk-nag 3.x');
