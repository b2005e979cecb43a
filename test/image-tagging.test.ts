import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { EcsCiCdPipeline, EcsCiCdPipelineProps, PipelineSource } from '../src';
import { nagFindings } from './support/nag';
import { BUILT_IMAGES_FILE, IMAGE_DETAIL_FILE } from '../src/pipeline/build-contract';
import { IMAGE_TAG_SCRIPT, IMAGE_TAG_SCRIPTS_FOLDER, renderImageTagBuildSpec } from '../src/pipeline/image-tagging';

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

const ENV = { account: '123456789012', region: 'eu-west-1' };
const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f';

function synth(props: Partial<EcsCiCdPipelineProps> = {}, inStack?: (stack: Stack) => Partial<EcsCiCdPipelineProps>) {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const pipeline = new EcsCiCdPipeline(stack, 'Pipeline', {
    source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN }),
    ...props,
    ...inStack?.(stack),
  });
  return { stack, pipeline, template: Template.fromStack(stack) };
}

function stage(template: Template, name: string): any {
  const pipelines = Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'));
  return pipelines[0].Properties.Stages.find((s: any) => s.Name === name);
}

function lifecyclePolicy(template: Template): any {
  const text = new Capture();
  template.hasResourceProperties('AWS::ECR::Repository', { LifecyclePolicy: { LifecyclePolicyText: text } });
  return JSON.parse(text.asString());
}

// ---------------------------------------------------------------------------
// The lifecycle policy
// ---------------------------------------------------------------------------

describe('the created repository keeps the images production runs', () => {
  it('keeps the last 10 images deployed to prod by a rule ahead of the count rule (pinned JSON)', () => {
    // GIVEN the default environments (dev, staging, prod) / WHEN synthesized
    const { template } = synth();
    // THEN
    expect(lifecyclePolicy(template)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'Expire untagged images after 14 days',
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: 'Keep the last 10 images deployed to prod',
          selection: { tagStatus: 'tagged', tagPatternList: ['deployed-prod_*'], countType: 'imageCountMoreThan', countNumber: 10 },
          action: { type: 'expire' },
        },
        {
          rulePriority: 3,
          description: 'Keep the last 30 images',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it('gives every production environment a rule of its own (the patterns of one rule must all match)', () => {
    // GIVEN two production environments
    const { template } = synth({
      environments: [{ name: 'dev' }, { name: 'prod', production: true }, { name: 'prod-eu', production: true }],
      productionImageRetentionCount: 5,
      imageRetentionCount: 50,
    });
    // THEN
    const rules = lifecyclePolicy(template).rules;
    expect(rules.map((r: any) => [r.rulePriority, r.selection.tagStatus, r.selection.tagPatternList, r.selection.countNumber])).toEqual([
      [1, 'untagged', undefined, 14],
      [2, 'tagged', ['deployed-prod_*'], 5],
      [3, 'tagged', ['deployed-prod-eu_*'], 5],
      [4, 'any', undefined, 50],
    ]);
  });

  it('with additional containers, keeps the images of the last N deployments: N times the images of one build', () => {
    // GIVEN an application and two more containers built per commit (each deployment tags 3 images)
    const { template } = synth({
      productionImageRetentionCount: 4,
      additionalContainers: [{ name: 'proxy', buildDirectory: 'proxy' }, { name: 'worker', buildDirectory: 'worker' }],
    });
    // THEN prod's rule keeps 12 images
    const rule = lifecyclePolicy(template).rules[1];
    expect([rule.description, rule.selection.tagPatternList, rule.selection.countNumber])
      .toEqual(['Keep the images of the last 4 deployments to prod (3 images each)', ['deployed-prod_*'], 12]);
  });

  it.each([0, 1.5, 10001])('rejects productionImageRetentionCount %p', (count) => {
    expect(() => synth({ productionImageRetentionCount: count })).toThrow(new RegExp(`productionImageRetentionCount \\(${count}\\)`));
  });

  it('rejects productionImageRetentionCount when no environment is production (it would keep nothing)', () => {
    expect(() => synth({ productionImageRetentionCount: 5, environments: [{ name: 'dev', production: false }, { name: 'qa', production: false }] }))
      .toThrow(/^productionImageRetentionCount \(5\) has no effect: no environment is production/);
  });

  it('rejects productionImageRetentionCount with an existing repository', () => {
    expect(() => synth({ productionImageRetentionCount: 5 }, (stack) => ({ repository: new ecr.Repository(stack, 'Existing') })))
      .toThrow(/productionImageRetentionCount \(5\) cannot be combined with repository/);
  });
});

// ---------------------------------------------------------------------------
// The tagging step
// ---------------------------------------------------------------------------

describe('after a production deployment the pipeline tags the digest', () => {
  it('runs TagDeployedImage after Deploy in the production stage only, on the build output', () => {
    const { template, stack, pipeline } = synth();
    // THEN prod: Approve (1), Deploy (2), TagDeployedImage (3)
    const prod = stage(template, 'Deploy-prod');
    const tag = prod.Actions.find((a: any) => a.Name === 'TagDeployedImage');
    expect(tag).toMatchObject({
      RunOrder: 3,
      ActionTypeId: { Category: 'Build', Provider: 'CodeBuild' },
      InputArtifacts: [{ Name: 'DeployArtifacts' }],
      Configuration: {
        ProjectName: stack.resolve((pipeline.imageTagging as any).projectName),
        EnvironmentVariables: JSON.stringify([{ name: 'DEPLOYED_TAG', type: 'PLAINTEXT', value: 'deployed-prod_#{codepipeline.PipelineExecutionId}' }]),
      },
    });
    expect(prod.Actions.find((a: any) => a.Name === 'Deploy').RunOrder).toBe(2);
    // AND the project reads the build's list of images (the app's and every additional container's)
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: {
        EnvironmentVariables: Match.arrayWith([
          { Name: 'BUILT_IMAGES_FILE', Type: 'PLAINTEXT', Value: 'built-images.json' },
          { Name: 'IMAGE_DETAIL_FILE', Type: 'PLAINTEXT', Value: 'imageDetail.json' },
        ]),
      },
    });
    // AND no other environment tags
    for (const name of ['Deploy-dev', 'Deploy-staging']) {
      expect(stage(template, name).Actions.map((a: any) => a.Name)).not.toContain('TagDeployedImage');
    }
  });

  it('lets the project read and tag images in this repository only (ecr:BatchGetImage, ecr:PutImage)', () => {
    const { template, stack, pipeline } = synth();
    const roleRef = stack.resolve(pipeline.imageTagging!.role!.roleName);
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter(p => JSON.stringify(p.Properties.Roles) === JSON.stringify([roleRef]));
    const ecrStatements = policies.flatMap(p => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('ecr:')));
    expect(ecrStatements).toEqual([{
      Effect: 'Allow',
      Action: ['ecr:BatchGetImage', 'ecr:PutImage'],
      Resource: stack.resolve((pipeline.repository as ecr.Repository).repositoryArn),
    }]);
  });

  it('is an exception to the repository policy that lets only the image build push', () => {
    const { template, stack, pipeline } = synth();
    template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'OnlyTheImageBuildPushes',
          Effect: 'Deny',
          Condition: {
            ArnNotEquals: {
              'aws:PrincipalArn': [
                stack.resolve(pipeline.imageBuild.project.role!.roleArn),
                stack.resolve(pipeline.imageTagging!.role!.roleArn),
              ],
            },
          },
        })]),
      }),
    });
  });

  it('runs tag-image.sh from the package with bash (the buildspec writes the file unchanged)', () => {
    // GIVEN the script in the package
    const script = fs.readFileSync(path.join(__dirname, '..', ...IMAGE_TAG_SCRIPTS_FOLDER, IMAGE_TAG_SCRIPT), 'utf-8');
    // WHEN the buildspec is rendered
    const commands: string[] = renderImageTagBuildSpec().phases.build.commands;
    // THEN it writes the script through a quoted here-document and runs it
    expect(commands).toEqual([`cat > /tmp/tag-image.sh <<'TAG_IMAGE_SH'\n${script.replace(/\n$/, '')}\nTAG_IMAGE_SH`, 'bash /tmp/tag-image.sh']);
  });

  it('adds nothing for an existing repository (its lifecycle policy is not this construct\'s)', () => {
    const { template, pipeline } = synth({}, (stack) => ({ repository: new ecr.Repository(stack, 'Existing') }));
    expect(pipeline.imageTagging).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('TagDeployedImage');
  });

  it('stays cdk-nag clean', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    new EcsCiCdPipeline(stack, 'Pipeline', { source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN }) });
    expect(nagFindings(stack)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// tag-image.sh, executed: the buildspec's script against a local moto ECR with the real AWS CLI
// ---------------------------------------------------------------------------

describe('tag-image.sh against moto', () => {
  const port = 5400 + (process.pid % 400);
  const endpoint = `http://127.0.0.1:${port}`;
  let moto: ChildProcess;
  let work: string;
  let scriptFile: string;

  const awsEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: work,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_CONFIG_FILE: path.join(work, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-credentials'),
  });
  const aws = (...args: string[]): any => {
    const r = spawnSync('aws', [...args, '--output', 'json'], { env: awsEnv(), encoding: 'utf8' });
    if (r.status !== 0) { throw new Error(`aws ${args.join(' ')}: ${r.stderr}`); }
    return r.stdout.trim() ? JSON.parse(r.stdout) : {};
  };
  /** Pushes a distinct image (its own layer) under `tag` and returns its digest. */
  const pushImage = (repository: string, tag: string, n: number): string => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: n, digest: `sha256:${String(n).padStart(64, '0')}` },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: n, digest: `sha256:${String(n + 100).padStart(64, '0')}` }],
    });
    return aws('ecr', 'put-image', '--repository-name', repository, '--image-tag', tag, '--image-manifest', manifest).image.imageId.imageDigest;
  };
  const tagsOf = (repository: string): { [digest: string]: string[] } => Object.fromEntries(
    aws('ecr', 'describe-images', '--repository-name', repository).imageDetails.map((d: any) => [d.imageDigest, [...d.imageTags].sort()]));
  /**
   * Runs the script as the CodeBuild project does: bash, the artifact as CODEBUILD_SRC_DIR, the
   * project's file names. The artifact holds imageDetail.json naming `imageUri` and, unless
   * `builtImages` is null (a build from before the list existed), the list of built images
   * (by default just `imageUri`).
   */
  const runScript = (env: { [name: string]: string }, imageUri?: string,
    builtImages: Array<{ container?: string; imageUri: string }> | null = imageUri ? [{ imageUri }] : null) => {
    const artifact = fs.mkdtempSync(path.join(work, 'artifact-'));
    if (imageUri !== undefined) { fs.writeFileSync(path.join(artifact, IMAGE_DETAIL_FILE), JSON.stringify({ ImageURI: imageUri })); }
    if (builtImages) { fs.writeFileSync(path.join(artifact, BUILT_IMAGES_FILE), JSON.stringify(builtImages)); }
    const files = { BUILT_IMAGES_FILE, IMAGE_DETAIL_FILE };
    return spawnSync('bash', [scriptFile], { env: { ...awsEnv(), ...files, CODEBUILD_SRC_DIR: artifact, ...env }, encoding: 'utf8', timeout: 60_000 });
  };
  const uriOf = (repository: string, digest: string) => `${ENV.account}.dkr.ecr.${ENV.region}.amazonaws.com/${repository}@${digest}`;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-tag-'));
    // The script exactly as the buildspec writes it.
    const command: string = renderImageTagBuildSpec().phases.build.commands[0];
    scriptFile = path.join(work, IMAGE_TAG_SCRIPT);
    fs.writeFileSync(scriptFile, command.split('\n').slice(1, -1).join('\n') + '\n');
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (spawnSync('curl', ['-sf', '-o', '/dev/null', `${endpoint}/moto-api/`]).status === 0) { return; }
      await new Promise(resolve => setTimeout(resolve, 200));
    }
    throw new Error(`moto_server did not start on ${endpoint}`);
  }, 60_000);

  afterAll(() => {
    moto?.kill();
  });

  it('the buildspec\'s first command writes the package\'s script byte for byte', () => {
    // GIVEN the command, writing into this test's directory instead of /tmp
    const command: string = renderImageTagBuildSpec().phases.build.commands[0];
    const target = path.join(work, 'written');
    fs.mkdirSync(target);
    // WHEN bash runs it, as CodeBuild does
    const result = spawnSync('bash', ['-c', command.replace('/tmp/', `${target}/`)], { encoding: 'utf8' });
    // THEN the file is the script
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(target, IMAGE_TAG_SCRIPT), 'utf-8'))
      .toEqual(fs.readFileSync(path.join(__dirname, '..', ...IMAGE_TAG_SCRIPTS_FOLDER, IMAGE_TAG_SCRIPT), 'utf-8'));
  });

  it('adds the tag to the deployed digest only, and a second run changes nothing', () => {
    // GIVEN an immutable repository with two builds
    aws('ecr', 'create-repository', '--repository-name', 'shop', '--image-tag-mutability', 'IMMUTABLE');
    const older = pushImage('shop', '1111111111111111111111111111111111111111', 1);
    const deployed = pushImage('shop', '2222222222222222222222222222222222222222', 2);
    expect(older).not.toEqual(deployed);

    // WHEN the script runs for the deployed digest
    const first = runScript({ REPOSITORY_NAME: 'shop', DEPLOYED_TAG: 'deployed-prod_0b1c2d3e-exec-1' }, uriOf('shop', deployed));

    // THEN the tag lands on that digest, next to its build tag, and nowhere else
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(tagsOf('shop')).toEqual({
      [older]: ['1111111111111111111111111111111111111111'],
      [deployed]: ['2222222222222222222222222222222222222222', 'deployed-prod_0b1c2d3e-exec-1'],
    });

    // WHEN the action is retried / THEN success, nothing changes
    const again = runScript({ REPOSITORY_NAME: 'shop', DEPLOYED_TAG: 'deployed-prod_0b1c2d3e-exec-1' }, uriOf('shop', deployed));
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('is already tagged deployed-prod_0b1c2d3e-exec-1: nothing to do');
    expect(tagsOf('shop')[deployed]).toEqual(['2222222222222222222222222222222222222222', 'deployed-prod_0b1c2d3e-exec-1']);
  });

  it('tags every image the build pushed (the application\'s and each additional container\'s), and a retry changes nothing', () => {
    // GIVEN a build of an application and a proxy from the same commit, and an older build
    aws('ecr', 'create-repository', '--repository-name', 'multi', '--image-tag-mutability', 'IMMUTABLE');
    const older = pushImage('multi', 'c0ffee', 5);
    const app = pushImage('multi', 'abc123', 6);
    const proxy = pushImage('multi', 'abc123-proxy', 7);
    const env = { REPOSITORY_NAME: 'multi', DEPLOYED_TAG: 'deployed-prod_exec-3' };

    // WHEN the script runs on the build's output, twice
    const built = [{ imageUri: uriOf('multi', app) }, { container: 'proxy', imageUri: uriOf('multi', proxy) }];
    const first = runScript(env, uriOf('multi', app), built);
    const again = runScript(env, uriOf('multi', app), built);

    // THEN each image carries a tag of its own (a tag names one image): the app's the plain one,
    // the proxy's with its name; the older build none
    expect([first.status, first.stderr, again.status]).toEqual([0, '', 0]);
    expect(tagsOf('multi')).toEqual({
      [older]: ['c0ffee'],
      [app]: ['abc123', 'deployed-prod_exec-3'],
      [proxy]: ['abc123-proxy', 'deployed-prod_exec-3-proxy'],
    });
  });

  it('an artifact without the list (built before it existed) has its application image tagged', () => {
    aws('ecr', 'create-repository', '--repository-name', 'legacy', '--image-tag-mutability', 'IMMUTABLE');
    const app = pushImage('legacy', 'abc', 8);
    const result = runScript({ REPOSITORY_NAME: 'legacy', DEPLOYED_TAG: 'deployed-prod_exec-4' }, uriOf('legacy', app), null);
    expect(result.status).toBe(0);
    expect(tagsOf('legacy')[app]).toEqual(['abc', 'deployed-prod_exec-4']);
  });

  it('fails when the tag already names another image (an immutable tag never moves)', () => {
    aws('ecr', 'create-repository', '--repository-name', 'moved', '--image-tag-mutability', 'IMMUTABLE');
    pushImage('moved', 'deployed-prod_exec-2', 3);
    const other = pushImage('moved', 'cafe', 4);
    const result = runScript({ REPOSITORY_NAME: 'moved', DEPLOYED_TAG: 'deployed-prod_exec-2' }, uriOf('moved', other));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/tag deployed-prod_exec-2 already names sha256:[0-9a-f]{64}, not sha256:/);
    expect(tagsOf('moved')[other]).toEqual(['cafe']);
  });

  it.each([
    ['neither the list nor imageDetail.json', undefined, /built-images.json and .*imageDetail.json are missing/],
    ['an image by tag, not digest', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:latest', /does not name an image by digest/],
    ['another repository', `123456789012.dkr.ecr.eu-west-1.amazonaws.com/other@sha256:${'a'.repeat(64)}`, /is not in repository shop/],
    ['a digest the repository does not have', `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:${'b'.repeat(64)}`, /cannot read the manifest/],
  ])('fails on %s', (_what, uri, message) => {
    const result = runScript({ REPOSITORY_NAME: 'shop', DEPLOYED_TAG: 'deployed-prod_x' }, uri);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('fails without its inputs', () => {
    const result = runScript({ REPOSITORY_NAME: 'shop' }, uriOf('shop', `sha256:${'c'.repeat(64)}`));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('DEPLOYED_TAG is not set');
  });
});
