import { App, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { allowStatements } from './support/iam';
import { deployActionWithRole } from '../src/blue-green/action-role';

describe('deploy action role', () => {
  test('GIVEN the role in the pipeline\'s stack THEN it reads the bucket the pipeline binds the action with, granted at bind only', () => {
    // GIVEN a pipeline and a deploy action whose options name another bucket than the one it is bound with
    const stack = new Stack(new App(), 'Delivery');
    const pipeline = new codepipeline.Pipeline(stack, 'Pipeline');
    const sourceOutput = new codepipeline.Artifact('Source');
    pipeline.addStage({
      stageName: 'Source',
      actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: new s3.Bucket(stack, 'Sources'), bucketKey: 'app.zip', output: sourceOutput })],
    });
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    const unrelated = new s3.Bucket(stack, 'Unrelated');

    // WHEN
    const action = deployActionWithRole(pipeline, {
      actionName: 'Deploy', runOrder: 1, buildOutput: sourceOutput, pipelineRole: pipeline.role, artifactBucket: unrelated,
    }, {
      environmentName: 'dev',
      description: 'test',
      taskDefinition,
      statements: [new iam.PolicyStatement({ actions: ['ecs:DescribeServices'], resources: ['*'] })],
      wildcardReason: 'test',
    }, role => new actions.S3DeployAction({ actionName: 'Deploy', role, input: sourceOutput, bucket: new s3.Bucket(stack, 'Target') }));
    pipeline.addStage({ stageName: 'Deploy', actions: [action] });

    // THEN the action's role reads the pipeline's artifact bucket (bucket and key) and nothing of the other one
    const statements = allowStatements(stack).filter(s => s.policy.startsWith('PipelineDeploydevActionRoleDefaultPolicy'));
    const artifactBucket = stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as s3.CfnBucket);
    const reads = statements.filter(s => s.actions.includes('s3:GetObject*'));
    expect(reads).toHaveLength(1);
    expect(reads[0].resources).toEqual([`<${artifactBucket}.Arn>`, `<${artifactBucket}.Arn>/*`]);
    expect(JSON.stringify(statements)).not.toContain(stack.getLogicalId(unrelated.node.defaultChild as s3.CfnBucket));
  });
});
