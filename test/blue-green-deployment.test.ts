import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import {
  BlueGreenBindOptions, BlueGreenDeployment, BlueGreenFargateService, DeployActionOptions, EcsCiCdPipeline,
  IBlueGreenDeploymentTarget, PipelineSource,
} from '../src';

/**
 * The deployment engine is one object: the service and the pipeline ask it for the deployment
 * controller, the wiring and the deploy action, and never branch on which engine it is. A test
 * engine (ECS controller, a placeholder deploy action) proves the extension point carries all of it.
 */
class RecordingEngine extends BlueGreenDeployment {
  public readonly deploymentController: ecs.DeploymentController = { type: ecs.DeploymentControllerType.ECS };
  public readonly bound: BlueGreenBindOptions[] = [];

  /** @param fileOf the file the engine deploys from (default: the task definition file the build writes) */
  constructor(private readonly fileOf: (environment: string) => string = env => `taskdef-${env}.json`) { super(); }

  public bind(_scope: Construct, options: BlueGreenBindOptions): IBlueGreenDeploymentTarget {
    this.bound.push(options);
    return {
      buildOutputFiles: [this.fileOf(options.environmentName)],
      deployAction: (_s: Construct, o: DeployActionOptions) => new actions.ManualApprovalAction({
        actionName: o.actionName,
        runOrder: o.runOrder,
        additionalInformation: `engine deploys ${options.environmentName}`,
      }),
    };
  }
}

const source = () => PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc' });

function stage(template: Template, name: string): any {
  const pipeline = Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'))[0];
  return pipeline.Properties.Stages.find((s: any) => s.Name === name);
}

describe('BlueGreenDeployment', () => {
  test('the default engine is CodeDeploy: CODE_DEPLOY controller, a deployment group and the CodeDeploy deploy action', () => {
    // GIVEN a pipeline without blueGreen
    const stack = new Stack(new App(), 'Stack');
    new EcsCiCdPipeline(stack, 'Shop', { source: source(), environments: [{ name: 'dev' }] });
    const template = Template.fromStack(stack);

    // THEN the service is deployed by CodeDeploy
    template.hasResourceProperties('AWS::ECS::Service', { DeploymentController: { Type: 'CODE_DEPLOY' } });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
    const deploy = stage(template, 'Deploy-dev').Actions.find((a: any) => a.Name === 'Deploy');
    expect(deploy.ActionTypeId).toMatchObject({ Category: 'Deploy', Provider: 'CodeDeployToECS' });
  });

  test('codeDeploy() given explicitly synthesizes what the default does', () => {
    const synth = (blueGreen?: BlueGreenDeployment) => {
      const stack = new Stack(new App(), 'Stack');
      new EcsCiCdPipeline(stack, 'Shop', { source: source(), environments: [{ name: 'dev' }], blueGreen });
      return Template.fromStack(stack).toJSON();
    };
    expect(synth(BlueGreenDeployment.codeDeploy())).toEqual(synth());
  });

  test('the pipeline\'s blueGreen applies to every environment, and an environment\'s own blueGreen overrides it', () => {
    // GIVEN a pipeline-wide engine and a CodeDeploy override for prod
    const stack = new Stack(new App(), 'Stack');
    const engine = new RecordingEngine();
    new EcsCiCdPipeline(stack, 'Shop', {
      source: source(),
      blueGreen: engine,
      environments: [{ name: 'dev' }, { name: 'prod', production: true, blueGreen: BlueGreenDeployment.codeDeploy() }],
    });
    const template = Template.fromStack(stack);

    // THEN dev is bound to the pipeline's engine, with the service's parts and the built-in smoke test as a hook
    expect(engine.bound.map(b => b.environmentName)).toEqual(['dev']);
    expect(engine.bound[0].hooks.afterAllowTestTraffic).toBeDefined();
    expect(engine.bound[0].trafficShifting.kind).toBe('ALL_AT_ONCE');
    // and its controller and deploy action are the engine's
    template.hasResourceProperties('AWS::ECS::Service', { DeploymentController: { Type: 'ECS' } });
    const devDeploy = stage(template, 'Deploy-dev').Actions.find((a: any) => a.Name === 'Deploy');
    expect(devDeploy.ActionTypeId).toMatchObject({ Category: 'Approval' });
    expect(devDeploy.Configuration.CustomData).toBe('engine deploys dev');
    // and prod keeps CodeDeploy: one deployment group only, for prod
    template.hasResourceProperties('AWS::ECS::Service', { DeploymentController: { Type: 'CODE_DEPLOY' } });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
    expect(Object.keys(template.findResources('AWS::IAM::Role')).some(id => id.startsWith('ShopDeploydevActionRole'))).toBe(false);
    expect(Object.keys(template.findResources('AWS::IAM::Role')).some(id => id.startsWith('ShopDeployprodActionRole'))).toBe(true);
    const prodDeploy = stage(template, 'Deploy-prod').Actions.find((a: any) => a.Name === 'Deploy');
    expect(prodDeploy.ActionTypeId).toMatchObject({ Provider: 'CodeDeployToECS' });
  });

  test('a service tells which files its engine needs from the build', () => {
    const stack = new Stack(new App(), 'Stack');
    const codeDeploy = new BlueGreenFargateService(stack, 'Cd', { environmentName: 'dev' });
    const other = new BlueGreenFargateService(stack, 'Other', { environmentName: 'qa', blueGreen: new RecordingEngine(env => `imagedefinitions-${env}.json`) });
    expect(codeDeploy.deploymentTarget.buildOutputFiles).toEqual(['appspec-dev.yaml', 'taskdef-dev.json']);
    expect(other.deploymentTarget.buildOutputFiles).toEqual(['imagedefinitions-qa.json']);
  });

  test('an engine that deploys from a file the build does not write fails at synth, naming the environment', () => {
    // GIVEN an engine that needs manifest-<env>.json (not written by the image build)
    const stack = new Stack(new App(), 'Stack');
    const blueGreen = new RecordingEngine(env => `manifest-${env}.json`);
    // WHEN / THEN
    expect(() => new EcsCiCdPipeline(stack, 'Shop', { source: source(), environments: [{ name: 'dev' }], blueGreen }))
      .toThrow(/^environments\[0\]\.buildOutputFiles \(\["manifest-dev.json"\], from the blueGreen engine of 'dev'\) name files the image build does not write; it can write \["imageDetail.json","taskdef-dev.json","appspec-dev.yaml","imagedefinitions-dev.json"\]$/);
  });

  test('deploymentGroup and application name the engine when the environment is not deployed by CodeDeploy', () => {
    const stack = new Stack(new App(), 'Stack');
    const svc = new BlueGreenFargateService(stack, 'Svc', { environmentName: 'qa', blueGreen: new RecordingEngine() });
    expect(() => svc.deploymentGroup).toThrow("deploymentGroup exists only when blueGreen is BlueGreenDeployment.codeDeploy(); environment 'qa' uses another engine");
    expect(() => svc.application).toThrow(/^application exists only when blueGreen is BlueGreenDeployment.codeDeploy\(\)/);
    Template.fromStack(stack).resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
  });
});


describe('engine settings moved to the engines', () => {
  const group = (stack: Stack) => Object.values<any>(Template.fromStack(stack).findResources('AWS::CodeDeploy::DeploymentGroup'))[0].Properties;

  test('GIVEN codeDeploy({ terminationWaitTime }) THEN it sets the deployment group\'s wait and overrides the environment\'s deprecated prop', () => {
    const stack = new Stack(new App(), 'Stack');
    new BlueGreenFargateService(stack, 'Svc', {
      environmentName: 'dev',
      blueGreen: BlueGreenDeployment.codeDeploy({ terminationWaitTime: Duration.minutes(12) }),
      terminationWaitTime: Duration.minutes(30),
    });
    expect(group(stack).BlueGreenDeploymentConfiguration.TerminateBlueInstancesOnDeploymentSuccess.TerminationWaitTimeInMinutes).toBe(12);
  });

  test('GIVEN neither THEN the environment default (4 minutes outside production) stays', () => {
    const stack = new Stack(new App(), 'Stack');
    new BlueGreenFargateService(stack, 'Svc', { environmentName: 'dev', blueGreen: BlueGreenDeployment.codeDeploy() });
    expect(group(stack).BlueGreenDeploymentConfiguration.TerminateBlueInstancesOnDeploymentSuccess.TerminationWaitTimeInMinutes).toBe(4);
  });

  test('GIVEN an invalid or short engine wait THEN codeDeploy() rejects it by name, or the service warns', () => {
    expect(() => BlueGreenDeployment.codeDeploy({ terminationWaitTime: Duration.minutes(2881) })).toThrow(/BlueGreenDeployment.codeDeploy\(terminationWaitTime\)/);
    const stack = new Stack(new App(), 'Stack');
    new BlueGreenFargateService(stack, 'Svc', { environmentName: 'dev', blueGreen: BlueGreenDeployment.codeDeploy({ terminationWaitTime: Duration.minutes(1) }) });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('terminationWaitBelowAlarmWindow'));
    expect(warnings).toHaveLength(1);
  });
});
