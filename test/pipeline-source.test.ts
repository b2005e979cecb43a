import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PipelineSource, PipelineSourceConfig } from '../src';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const ENV = { account: '123456789012', region: 'eu-west-1' };
const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f';
const LEGACY_CONNECTION_ARN = 'arn:aws:codestar-connections:us-east-1:123456789012:connection/abcd-1234';

interface Bound {
  readonly stack: Stack;
  readonly config: PipelineSourceConfig;
  readonly pipeline: codepipeline.Pipeline;
  readonly template: Template;
}

/**
 * Binds the source into a minimal V2 pipeline (Source stage + a manual approval, the smallest valid
 * second stage) the way EcsCiCdPipeline does: the action in the Source stage, the trigger (if any)
 * added to the pipeline. A fresh App per call.
 */
function bindInPipeline(makeSource: (stack: Stack) => PipelineSource): Bound {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const source = makeSource(stack);
  const config = source.bind(stack, new codepipeline.Artifact('Source'));
  const pipeline = new codepipeline.Pipeline(stack, 'Pipeline', { pipelineType: codepipeline.PipelineType.V2 });
  pipeline.addStage({ stageName: 'Source', actions: [config.action] });
  if (config.trigger) { pipeline.addTrigger(config.trigger); }
  pipeline.addStage({ stageName: 'Approve', actions: [new actions.ManualApprovalAction({ actionName: 'Approve' })] });
  return { stack, config, pipeline, template: Template.fromStack(stack) };
}

/** Captures the Source stage's only action. */
function sourceAction(template: Template): any {
  const action = new Capture();
  template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
    Stages: Match.arrayWith([Match.objectLike({ Name: 'Source', Actions: [action] })]),
  });
  return action.asObject();
}

function connection(overrides: Partial<{ owner: string; repo: string; branch: string; connectionArn: string }> = {}): PipelineSource {
  return PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN, ...overrides });
}

// ---------------------------------------------------------------------------
// PipelineSource.connection
// ---------------------------------------------------------------------------

describe('PipelineSource.connection', () => {
  let bound: Bound;
  beforeAll(() => {
    // GIVEN a connection source without a branch
    // WHEN it is bound into a pipeline
    bound = bindInPipeline(() => connection());
  });

  it('creates a CodeStarSourceConnection action on branch main that does not detect changes itself', () => {
    // THEN the action reads acme/shop@main through the connection; the V2 trigger starts the pipeline
    bound.template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([{
        Name: 'Source',
        Actions: [Match.objectLike({
          Name: 'Source',
          ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeStarSourceConnection', Version: '1' },
          Configuration: {
            ConnectionArn: CONNECTION_ARN,
            FullRepositoryId: 'acme/shop',
            BranchName: 'main',
            DetectChanges: false,
          },
          OutputArtifacts: [{ Name: 'Source' }],
        })],
      }]),
    });
  });

  it('starts the pipeline with a V2 git push trigger filtered on the branch', () => {
    // THEN the pipeline has exactly one trigger: pushes to main through the Source action
    bound.template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      PipelineType: 'V2',
      Triggers: [{
        ProviderType: 'CodeStarSourceConnection',
        GitConfiguration: {
          SourceActionName: 'Source',
          Push: [{ Branches: { Includes: ['main'] } }],
        },
      }],
    });
  });

  it('exposes the trigger and the commit id variable of the action', () => {
    // THEN the config's trigger targets the bound action, and the revision is #{<namespace>.CommitId}
    expect(bound.config.trigger?.providerType).toBe(codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION);
    expect(bound.config.trigger?.gitConfiguration?.sourceAction).toBe(bound.config.action);
    const action = sourceAction(bound.template);
    expect(action.Namespace).toEqual(expect.any(String));
    expect(bound.stack.resolve(bound.config.revisionVariable)).toBe(`#{${action.Namespace}.CommitId}`);
  });

  it('grants the source action role UseConnection on that connection only', () => {
    // THEN the only codestar-connections permission is UseConnection on the connection ARN
    const policies = bound.template.findResources('AWS::IAM::Policy');
    const statements = Object.values<any>(policies).flatMap(p => p.Properties.PolicyDocument.Statement);
    const connectionStatements = statements.filter(s => [s.Action].flat().some((a: string) => /^(codestar-connections|codeconnections):/.test(a)));
    expect(connectionStatements).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'codestar-connections:UseConnection', Resource: CONNECTION_ARN }),
    ]);
  });

  it('describes itself as owner/repo@branch', () => {
    // GIVEN a source / THEN its description
    expect(connection().description).toBe('acme/shop@main');
    expect(connection({ branch: 'release/v2' }).description).toBe('acme/shop@release/v2');
  });

  it('uses the given branch for the action and the trigger filter', () => {
    // GIVEN a connection source on release/v2
    // WHEN it is bound
    const { template } = bindInPipeline(() => connection({ branch: 'release/v2' }));
    // THEN both the action and the push filter name release/v2
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([Match.objectLike({
        Name: 'Source',
        Actions: [Match.objectLike({ Configuration: Match.objectLike({ BranchName: 'release/v2' }) })],
      })]),
      Triggers: [Match.objectLike({ GitConfiguration: Match.objectLike({ Push: [{ Branches: { Includes: ['release/v2'] } }] }) })],
    });
  });

  it('accepts legacy codestar-connections ARNs, nested repository paths and unresolved tokens', () => {
    // GIVEN / WHEN / THEN none of these throw
    expect(() => connection({ connectionArn: LEGACY_CONNECTION_ARN })).not.toThrow();
    expect(() => connection({ repo: 'group/subgroup/shop' })).not.toThrow();
    expect(() => connection({ owner: 'acme-corp_1.x', branch: 'feature/JIRA-123_fix' })).not.toThrow();
    expect(() => connection({ branch: Lazy.string({ produce: () => 'main' }) })).not.toThrow();
  });

  it.each([
    ['a space', 'bad branch'],
    ['".."', 'a..b'],
    ['a leading slash', '/main'],
    ['"//"', 'a//b'],
    ['"~"', 'main~1'],
    ['"^"', 'main^'],
    ['":"', 'a:b'],
    ['"?"', 'what?'],
    ['"*"', 'feature/*'],
    ['"["', 'a[1]'],
    ['a backslash', 'a\\b'],
    ['no characters', ''],
    ['more than 255 characters', 'b'.repeat(256)],
  ])('rejects a branch with %s, naming source.branch', (_what, branch) => {
    // GIVEN / WHEN an invalid branch / THEN the error names source.branch and the value
    expect(() => connection({ branch })).toThrow(/source\.branch/);
  });

  it('quotes the rejected branch and says what is allowed', () => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(() => connection({ branch: 'bad branch' })).toThrow("source.branch ('bad branch') must be a Git branch name");
  });

  it.each([
    ['not an ARN', 'not-an-arn'],
    ['of another service', 'arn:aws:s3:::my-bucket'],
    ['without an account', 'arn:aws:codeconnections:eu-west-1::connection/abcd'],
    ['a host, not a connection', 'arn:aws:codeconnections:eu-west-1:123456789012:host/abcd'],
    ['empty', ''],
  ])('rejects a connectionArn that is %s, naming source.connectionArn', (_what, connectionArn) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(() => connection({ connectionArn })).toThrow(/source\.connectionArn/);
  });

  it.each([
    ['contains a space', 'ac me'],
    ['contains a slash', 'acme/shop'],
    ['empty', ''],
    ['longer than 100 characters', 'o'.repeat(101)],
  ])('rejects an owner that is %s, naming source.owner', (_what, owner) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(() => connection({ owner })).toThrow(/source\.owner/);
  });

  it.each([
    ['contains a space', 'my shop'],
    ['contains "!"', 'shop!'],
    ['is empty', ''],
  ])('rejects a repo that %s, naming source.repo', (_what, repo) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(() => connection({ repo })).toThrow(/source\.repo/);
  });
});

// ---------------------------------------------------------------------------
// PipelineSource.codeCommit
// ---------------------------------------------------------------------------

describe('PipelineSource.codeCommit', () => {
  let bound: Bound;
  let repository: codecommit.IRepository;
  beforeAll(() => {
    // GIVEN an existing CodeCommit repository, no branch
    // WHEN it is bound into a pipeline
    bound = bindInPipeline(stack => {
      repository = codecommit.Repository.fromRepositoryName(stack, 'Repo', 'shop');
      return PipelineSource.codeCommit({ repository });
    });
  });

  it('creates a CodeCommit action on branch main that does not poll', () => {
    // THEN (on the synthesis of beforeAll)
    bound.template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([{
        Name: 'Source',
        Actions: [Match.objectLike({
          Name: 'Source',
          ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeCommit', Version: '1' },
          Configuration: Match.objectLike({ RepositoryName: 'shop', BranchName: 'main', PollForSourceChanges: false }),
          OutputArtifacts: [{ Name: 'Source' }],
        })],
      }]),
    });
  });

  it('starts the pipeline from an EventBridge rule on pushes to the branch', () => {
    // THEN a rule matches reference created/updated on main of this repository and targets the pipeline
    bound.template.resourceCountIs('AWS::Events::Rule', 1);
    bound.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.codecommit'],
        'resources': [bound.stack.resolve(repository.repositoryArn)],
        'detail-type': ['CodeCommit Repository State Change'],
        'detail': Match.objectLike({
          event: ['referenceCreated', 'referenceUpdated'],
          referenceName: ['main'],
        }),
      },
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: bound.stack.resolve(bound.pipeline.pipelineArn) })],
    });
  });

  it('adds no V2 trigger and reads the revision from the CommitId variable', () => {
    // THEN (on the synthesis of beforeAll)
    expect(bound.config.trigger).toBeUndefined();
    bound.template.hasResourceProperties('AWS::CodePipeline::Pipeline', { Triggers: Match.absent() });
    const action = sourceAction(bound.template);
    expect(bound.stack.resolve(bound.config.revisionVariable)).toBe(`#{${action.Namespace}.CommitId}`);
  });

  it('filters the rule and the action on the given branch', () => {
    // GIVEN branch develop
    const { template } = bindInPipeline(stack =>
      PipelineSource.codeCommit({ repository: codecommit.Repository.fromRepositoryName(stack, 'Repo', 'shop'), branch: 'develop' }));
    // THEN both name develop
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ referenceName: ['develop'] }) }),
    });
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([Match.objectLike({
        Name: 'Source',
        Actions: [Match.objectLike({ Configuration: Match.objectLike({ BranchName: 'develop' }) })],
      })]),
    });
  });

  it('rejects an invalid branch, naming source.branch', () => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    const stack = new Stack(new App(), 'Test');
    const repo = codecommit.Repository.fromRepositoryName(stack, 'Repo', 'shop');
    expect(() => PipelineSource.codeCommit({ repository: repo, branch: 'bad branch' })).toThrow(/source\.branch/);
    expect(() => PipelineSource.codeCommit({ repository: repo, branch: 'a..b' })).toThrow(/source\.branch/);
    expect(() => PipelineSource.codeCommit({ repository: repo, branch: '' })).toThrow(/source\.branch/);
  });
});

// ---------------------------------------------------------------------------
// PipelineSource.s3
// ---------------------------------------------------------------------------

describe('PipelineSource.s3', () => {
  let bound: Bound;
  let bucket: s3.Bucket;
  beforeAll(() => {
    // GIVEN a versioned bucket and a key, default trigger (EVENTS)
    // WHEN the source is bound into a pipeline
    bound = bindInPipeline(stack => {
      bucket = new s3.Bucket(stack, 'SourceBucket', { versioned: true });
      return PipelineSource.s3({ bucket, key: 'shop/source.zip' });
    });
  });

  it('creates an S3 action on the key that does not poll', () => {
    // THEN (on the synthesis of beforeAll)
    bound.template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([{
        Name: 'Source',
        Actions: [Match.objectLike({
          Name: 'Source',
          ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' },
          Configuration: {
            S3Bucket: bound.stack.resolve(bucket.bucketName),
            S3ObjectKey: 'shop/source.zip',
            PollForSourceChanges: false,
          },
          OutputArtifacts: [{ Name: 'Source' }],
        })],
      }]),
    });
  });

  it('starts the pipeline from an EventBridge rule on CloudTrail writes of the key', () => {
    // THEN one rule matches S3 CloudTrail events for this bucket and key and targets the pipeline
    bound.template.resourceCountIs('AWS::Events::Rule', 1);
    const pattern = new Capture();
    bound.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: pattern,
      Targets: [Match.objectLike({ Arn: bound.stack.resolve(bound.pipeline.pipelineArn) })],
    });
    expect(pattern.asObject().source).toEqual(['aws.s3']);
    expect(pattern.asObject()['detail-type']).toEqual(['AWS API Call via CloudTrail']);
    expect(JSON.stringify(pattern.asObject().detail)).toContain('shop/source.zip');
  });

  it('adds no V2 trigger, reads the revision from the ETag variable and describes itself by key', () => {
    // GIVEN a source / THEN its description
    expect(bound.config.trigger).toBeUndefined();
    const action = sourceAction(bound.template);
    expect(bound.stack.resolve(bound.config.revisionVariable)).toBe(`#{${action.Namespace}.ETag}`);
    expect(PipelineSource.s3({ bucket, key: 'shop/source.zip' }).description).toBe('s3:shop/source.zip');
  });

  it('polls (and creates no rule) with S3Trigger.POLL', () => {
    // GIVEN trigger POLL
    const { template } = bindInPipeline(stack =>
      PipelineSource.s3({ bucket: new s3.Bucket(stack, 'SourceBucket', { versioned: true }), key: 'src.zip', trigger: actions.S3Trigger.POLL }));
    // THEN the action polls and there is no EventBridge rule
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([Match.objectLike({
        Name: 'Source',
        Actions: [Match.objectLike({ Configuration: Match.objectLike({ S3ObjectKey: 'src.zip', PollForSourceChanges: true }) })],
      })]),
    });
  });

  it.each([
    ['empty', ''],
    ['starting with a space', ' shop.zip'],
    ['longer than 1024 characters', 'k'.repeat(1025)],
  ])('rejects a key that is %s, naming source.key', (_what, key) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    expect(() => PipelineSource.s3({ bucket, key })).toThrow(/source\.key/);
  });
});
