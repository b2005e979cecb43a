"""Image build helpers: settings, digest lookup, ECR scan gate and deploy artifact rendering.

Run by image-build.sh (same folder) inside the CodeBuild project of cdk-ecs-cicd-pipeline's ImageBuild.
Every input is an environment variable the construct sets (src/pipeline/build-contract.ts owns the
names and the values shared with TypeScript), or a file named on the command line:

- IMAGE_BUILD_SETTINGS   compact JSON: the build settings (dockerfile, buildDirectory, buildArgs,
                         scanSeverityThreshold, imageTagLength), the additional containers built from
                         the same commit (additionalContainers: [{name, dockerfile, buildDirectory,
                         buildArgs}], absent when there are none) and the shared values (severities in
                         ascending order, artifactDirectory, imageDetailFile, builtImagesFile, taskDefinitionFile and
                         appSpecFile with an {environment} placeholder, imagePlaceholder, bootstrap labels)
- DEPLOY_ENVIRONMENTS    the names of the per-environment variables, in promotion order
- each of those          compact JSON of one environment: name, taskDefinitionArn (only when its
                         task definition is rendered), containerName (the application's),
                         containerPort and loadBalancerContainerName (of the container the load
                         balancer targets; the name is absent when it is the application's), with an AppSpec: hooks ([[lifecycle event, Lambda ARN], ...] in
                         lifecycle order), capacityProviderStrategy ([{capacityProvider, base, weight}])
                         and outputs ({kind: file name} for kinds taskDefinition, appSpec and
                         imageDefinitions: the files its deployment engine reads; absent means the
                         CodeDeploy engine's taskDefinition and appSpec, named by the settings' patterns)
                         ; or, for an environment in another account or region, name and remote
                         ({roleArn, parameterName, region}: where that JSON is read from)

Images: image 0 is the application's (Dockerfile of the settings, tagged with the commit), image i > 0
the additional container additionalContainers[i - 1] (tagged <commit>-<name>), all pushed to the same
repository. The build phase records each digest URI in work/images.json; post_build reads it.
"""
import json
import os
import re
import shlex
import sys

READ_ONLY_TASK_DEFINITION_FIELDS = [
    'taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities',
    'registeredAt', 'registeredBy', 'deregisteredAt',
]
SETTINGS_VARIABLE = 'IMAGE_BUILD_SETTINGS'
ENVIRONMENTS_VARIABLE = 'DEPLOY_ENVIRONMENTS'
OUTPUT_KINDS = ('taskDefinition', 'appSpec', 'imageDefinitions')
IMAGES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'work', 'images.json')


def fail(message):
    print('ERROR: ' + message, file=sys.stderr)
    sys.exit(1)


def load_json(path, what):
    try:
        with open(path) as handle:
            document = json.load(handle)
    except (OSError, ValueError) as error:
        fail('could not read %s from %s: %s' % (what, path, error))
    if not isinstance(document, dict):
        fail('%s in %s is not a JSON object' % (what, path))
    return document


def json_variable(name):
    text = os.environ.get(name)
    if not text:
        fail('environment variable %s is not set' % name)
    try:
        value = json.loads(text)
    except ValueError as error:
        fail('environment variable %s is not JSON: %s' % (name, error))
    if not isinstance(value, dict):
        fail('environment variable %s is not a JSON object' % name)
    return value


def settings():
    value = json_variable(SETTINGS_VARIABLE)
    required = ['dockerfile', 'buildDirectory', 'buildArgs', 'scanSeverityThreshold', 'imageTagLength', 'severities',
                'artifactDirectory', 'imageDetailFile', 'builtImagesFile', 'taskDefinitionFile', 'appSpecFile', 'imagePlaceholder',
                'bootstrapLabel', 'bootstrapCommandLabel']
    missing = [key for key in required if key not in value]
    if missing:
        fail('%s lacks %s' % (SETTINGS_VARIABLE, ', '.join(missing)))
    return value


def environments():
    """Every environment, in order, read from the variables DEPLOY_ENVIRONMENTS names."""
    names = os.environ.get(ENVIRONMENTS_VARIABLE, '').split()
    if not names:
        fail('environment variable %s is not set' % ENVIRONMENTS_VARIABLE)
    result = []
    for variable in names:
        environment = json_variable(variable)
        if 'remote' in environment:
            # An environment in another account or region: its data is read from there (remote-environment).
            required = ['name', 'remote']
        else:
            outputs = environment.get('outputs')
            if outputs is not None:
                unknown = [kind for kind in outputs if kind not in OUTPUT_KINDS]
                if not isinstance(outputs, dict) or not outputs or unknown:
                    fail('environment variable %s: outputs must map some of %s to file names; got %r'
                         % (variable, ', '.join(OUTPUT_KINDS), outputs))
            kinds = outputs.keys() if outputs is not None else ('taskDefinition', 'appSpec')
            required = ['name', 'containerName']
            if 'taskDefinition' in kinds:
                required.append('taskDefinitionArn')
            if 'appSpec' in kinds:
                required.append('containerPort')
        missing = [key for key in required if not environment.get(key)]
        if missing:
            fail('environment variable %s lacks %s' % (variable, ', '.join(missing)))
        result.append(environment)
    return result


def outputs_of(config, target):
    """{kind: file name} of the files to write for an environment (the CodeDeploy engine's by default)."""
    outputs = target.get('outputs')
    if outputs is None:
        name = target['name']
        outputs = {'taskDefinition': config['taskDefinitionFile'].replace('{environment}', name),
                   'appSpec': config['appSpecFile'].replace('{environment}', name)}
    return outputs


def output_path(config, target, kind):
    return os.path.join(config['artifactDirectory'], outputs_of(config, target)[kind])


def additional_containers(config):
    return config.get('additionalContainers') or []


def environment(name):
    for candidate in environments():
        if candidate['name'] == name:
            return candidate
    fail('no deploy environment named %r' % name)


def print_assignments(assignments, build_args=None):
    """Prints bash assignments (eval'd by image-build.sh), values quoted; BUILD_ARGS as an array of
    --build-arg KEY=VALUE pairs when `build_args` (a dict) is given."""
    for key, value in assignments.items():
        print('%s=%s' % (key, shlex.quote(value)))
    if build_args is not None:
        pairs = []
        for key, value in build_args.items():
            pairs += ['--build-arg', '%s=%s' % (key, value)]
        print('BUILD_ARGS=(%s)' % ' '.join(shlex.quote(arg) for arg in pairs))


def shell_settings():
    """Bash assignments of the settings every phase uses (eval'd by image-build.sh); what to build
    comes per image from image_settings."""
    config = settings()
    deploy = environments()
    print_assignments({
        'SCAN_SEVERITY_THRESHOLD': config['scanSeverityThreshold'],
        'IMAGE_TAG_LENGTH': str(int(config['imageTagLength'])),
        'ARTIFACT_DIRECTORY': config['artifactDirectory'],
        'IMAGE_DETAIL_PATH': os.path.join(config['artifactDirectory'], config['imageDetailFile']),
        'ENVIRONMENT_NAMES': ' '.join(e['name'] for e in deploy),
        'IMAGE_COUNT': str(1 + len(additional_containers(config))),
    })


def image_settings(index):
    """Bash assignments of image `index`: 0 the application, i > 0 additionalContainers[i - 1]."""
    config = settings()
    index = int(index)
    containers = additional_containers(config)
    if index < 0 or index > len(containers):
        fail('no image %d (the build has %d)' % (index, 1 + len(containers)))
    image = config if index == 0 else containers[index - 1]
    print_assignments({
        'IMAGE_NAME': 'the application' if index == 0 else 'container %s' % image['name'],
        'DOCKERFILE': image['dockerfile'],
        'BUILD_DIRECTORY': image['buildDirectory'],
        # The application's tag is the commit's; an additional container's is <commit>-<name>.
        'TAG_SUFFIX': '' if index == 0 else '-' + image['name'],
    }, image.get('buildArgs') or {})


def record_image(index, image_uri):
    """Records the digest URI of image `index` in work/images.json for post_build."""
    if not re.fullmatch(r'[^@\s]+@sha256:[0-9a-f]{64}', image_uri):
        fail('refusing to record a non-digest image URI: %r' % image_uri)
    images = {}
    if os.path.exists(IMAGES_FILE):
        images = load_json(IMAGES_FILE, 'the recorded images')
    images[str(int(index))] = image_uri
    os.makedirs(os.path.dirname(IMAGES_FILE), exist_ok=True)
    with open(IMAGES_FILE, 'w') as handle:
        json.dump(images, handle)


def recorded_images(config):
    """[(container name or None for the application, digest URI)] of every image the build phase recorded."""
    images = load_json(IMAGES_FILE, 'the recorded images') if os.path.exists(IMAGES_FILE) else {}
    result = []
    for index, container in enumerate([None] + [c['name'] for c in additional_containers(config)]):
        uri = images.get(str(index))
        if not uri:
            fail('the build phase recorded no digest for %s' % ('the application image' if container is None else 'container %s' % container))
        result.append((container, uri))
    return result


def image_digest(path):
    details = load_json(path, 'the describe-images output').get('imageDetails') or []
    digest = (details[0].get('imageDigest') if details else None) or ''
    if not re.fullmatch('sha256:[0-9a-f]{64}', digest):
        fail('describe-images returned no sha256 image digest (got %r)' % digest)
    print(digest)


# What the gate says when it cannot judge an image: fail, and say how to go on.
HOW_TO_SKIP = ('To deploy such images, set scanSeverityThreshold: ScanSeverity.NONE and scan them another way '
               '(e.g. Amazon Inspector enhanced scanning, which also covers language packages).')


def scan_type(path):
    configuration = load_json(path, 'the registry scanning configuration').get('scanningConfiguration') or {}
    kind = configuration.get('scanType') or 'BASIC'
    if kind not in ('BASIC', 'ENHANCED'):
        fail('unknown registry scan type %r' % kind)
    print(kind)


def cannot_judge(what):
    fail('Image scan gate: %s, so the gate cannot judge this image; failing the build. %s' % (what, HOW_TO_SKIP))


def scan_status(kind, status, detail, last, waited):
    """Returns True when the findings can be judged, exits 3 while the scan is pending."""
    unsupported = status == 'UNSUPPORTED_IMAGE' or 'UnsupportedImageError' in detail
    scanner = 'ECR basic scanning' if kind == 'BASIC' else 'Amazon Inspector (enhanced scanning)'
    if unsupported:
        cannot_judge('%s cannot scan this image (%s: %s); basic scanning covers OS packages only, and an image '
                     'without a supported OS package database (FROM scratch, distroless, ...) has nothing it can scan'
                     % (scanner, status, detail))
    if status == 'FINDINGS_UNAVAILABLE':
        cannot_judge('Amazon Inspector reports FINDINGS_UNAVAILABLE (%s): it has no findings for this image, e.g. '
                     'its operating system is not supported or the image is no longer monitored' % detail)
    if status == 'SCAN_ELIGIBILITY_EXPIRED':
        cannot_judge('Amazon Inspector reports SCAN_ELIGIBILITY_EXPIRED (%s): the image was pushed longer ago than '
                     "Inspector's ECR re-scan duration and is no longer scanned; push a new commit or lengthen the "
                     're-scan duration in Amazon Inspector' % detail)
    if status in ('LIMIT_EXCEEDED', 'IMAGE_ARCHIVED', 'FAILED'):
        cannot_judge('the image scan status is %s (%s)' % (status, detail))
    if (kind == 'BASIC' and status == 'COMPLETE') or (kind == 'ENHANCED' and status in ('ACTIVE', 'COMPLETE')):
        return True
    if status not in ('IN_PROGRESS', 'PENDING', 'NOT_FOUND'):
        cannot_judge('the image scan status %s (%s) is unknown to the gate (registry scan type %s)' % (status, detail, kind))
    if not last:
        print('Image scan status: %s (%s registry scanning); waiting' % (status, kind))
        sys.exit(3)
    if status == 'NOT_FOUND':
        where = ("scan on push is off for this repository (the repository's scanOnPush setting or the registry's "
                 'basic scanning rules)') if kind == 'BASIC' else (
                 "the repository matches none of the registry's enhanced scanning rules")
        cannot_judge('no scan of this image exists after %s seconds: %s' % (waited, where))
    cannot_judge('the scan is still %s after %s seconds (%s)' % (status, waited, detail))


def finding_counts(severities, kind, findings):
    counts = {}

    def add(severity, count):
        # UNDEFINED, UNTRIAGED (and any severity unknown to this gate) rank as the lowest severity.
        rank = severity if severity in severities else severities[0]
        counts[rank] = counts.get(rank, 0) + int(count)
    if kind == 'ENHANCED' and 'enhancedFindings' in findings:
        # Inspector findings a person suppressed (or that were closed) do not block.
        for finding in findings.get('enhancedFindings') or []:
            if finding.get('status') not in ('SUPPRESSED', 'CLOSED'):
                add(finding.get('severity') or 'UNDEFINED', 1)
    else:
        for severity, count in (findings.get('findingSeverityCounts') or {}).items():
            add(severity, count)
    return counts


def scan_gate(kind, path, last, waited):
    config = settings()
    severities = config['severities']
    threshold = config['scanSeverityThreshold']
    if threshold not in severities:
        fail('unknown severity threshold %r' % threshold)
    result = load_json(path, 'the image scan findings')
    status_detail = result.get('imageScanStatus') or {}
    status = status_detail.get('status') or 'UNKNOWN'
    scan_status(kind, status, status_detail.get('description') or 'no description', last == 'true', waited)
    counts = finding_counts(severities, kind, result.get('imageScanFindings') or {})
    descending = list(reversed(severities))
    summary = ', '.join('%s=%d' % (s, counts[s]) for s in descending if counts.get(s))
    print('Image scan findings (%s scanning, status %s): %s' % (kind, status, summary or 'none'))
    gated = severities[severities.index(threshold):]
    blocking = [s for s in descending if s in gated and counts.get(s)]
    total = sum(counts[s] for s in blocking)
    if total > 0:
        details = ', '.join('%s=%d' % (s, counts[s]) for s in blocking)
        fail('Image scan gate: %d finding(s) at or above %s (%s); failing the build' % (total, threshold, details))
    print('Image scan gate: no findings at or above %s; passing' % threshold)


def remote_environment(name):
    """For an environment in another account or region: its variable, role, parameter and region.

    Its stack publishes the environment's data (the JSON a local environment's variable holds) in an
    SSM parameter there and creates a role this build may assume to read it and describe the task
    definition (src/pipeline/remote-build-data.ts). Prints nothing for a local environment.
    """
    for variable in os.environ.get(ENVIRONMENTS_VARIABLE, '').split():
        candidate = json_variable(variable)
        if candidate.get('name') != name:
            continue
        remote = candidate.get('remote')
        if remote:
            missing = [key for key in ('roleArn', 'parameterName', 'region') if not remote.get(key)]
            if missing:
                fail('environment variable %s: remote lacks %s' % (variable, ', '.join(missing)))
            print(' '.join([variable, remote['roleArn'], remote['parameterName'], remote['region']]))
        return
    fail('no deploy environment named %r' % name)


def task_definition_arn(name):
    print(environment(name)['taskDefinitionArn'])


def restore_bootstrapped_command(config, container):
    """A container defined without an image in CDK boots a placeholder command; its real command (if
    any) travels in a Docker label and is restored here (src/private/bootstrap.ts writes the labels)."""
    labels = container.get('dockerLabels') or {}
    if labels.get(config['bootstrapLabel']) != 'true':
        return
    command = json.loads(labels.get(config['bootstrapCommandLabel'], 'null'))
    if command is None:
        container.pop('command', None)
    else:
        container['command'] = command
    labels.pop(config['bootstrapLabel'], None)
    labels.pop(config['bootstrapCommandLabel'], None)
    if labels:
        container['dockerLabels'] = labels
    else:
        container.pop('dockerLabels', None)
    print('Restored the real command of %s (the CDK revision boots a placeholder)' % container.get('name'))


def render_taskdef(name, source):
    config = settings()
    target = environment(name)
    expected_arn = target['taskDefinitionArn']
    container_name = target['containerName']
    placeholder = config['imagePlaceholder']
    output = output_path(config, target, 'taskDefinition')
    task_definition = load_json(source, 'the describe-task-definition output').get('taskDefinition')
    if not isinstance(task_definition, dict):
        fail('no taskDefinition in %s' % source)
    # The exact revision CDK registered, never the family's latest: the pipeline's own deployments
    # register revisions in the family too, from the content of an older build.
    if task_definition.get('taskDefinitionArn') != expected_arn:
        fail('describe-task-definition returned %r, not the requested revision %r'
             % (task_definition.get('taskDefinitionArn'), expected_arn))
    for field in READ_ONLY_TASK_DEFINITION_FIELDS:
        task_definition.pop(field, None)
    containers = task_definition.get('containerDefinitions') or []

    def container(wanted):
        matches = [c for c in containers if c.get('name') == wanted]
        if not matches:
            names = ', '.join(str(c.get('name')) for c in containers) or 'none'
            fail('task definition family %s has no container named %r (containers: %s)'
                 % (task_definition.get('family'), wanted, names))
        return matches[0]
    # The application's image is the placeholder the CodeDeploy action fills from imageDetail.json;
    # the additional containers' images are their digests, written as they are (like the X-Ray
    # sidecar's image, the action registers them unchanged).
    app = container(container_name)
    app['image'] = placeholder
    restore_bootstrapped_command(config, app)
    images = recorded_images(config)[1:] if additional_containers(config) else []
    for extra, uri in images:
        built = container(extra)
        built['image'] = uri
        restore_bootstrapped_command(config, built)
    # A container still booting the bootstrap image is one the service delivers through the pipeline
    # but this build built no image for (the service's additionalContainers are not the build's):
    # deploying would keep the placeholder image and command.
    for left in containers:
        if (left.get('dockerLabels') or {}).get(config['bootstrapLabel']) == 'true':
            fail('task definition family %s: container %r still has the bootstrap image (label %s), because this build '
                 'builds no image for it; give the image build the same additionalContainers as the service (built: %s)'
                 % (task_definition.get('family'), left.get('name'), config['bootstrapLabel'],
                    ', '.join(repr(c['name']) for c in additional_containers(config)) or 'none'))
    with open(output, 'w') as handle:
        json.dump(task_definition, handle, indent=2)
        handle.write('\n')
    print('Wrote %s from %s (container %s -> %s, %d container(s))'
          % (output, expected_arn, container_name, placeholder, len(containers)))


def render_appspec(name):
    """The AppSpec of the ECS blue/green deployment, as compact JSON (a valid YAML document)."""
    config = settings()
    target = environment(name)
    output = output_path(config, target, 'appSpec')
    properties = {
        'TaskDefinition': '<TASK_DEFINITION>',
        # The container the load balancer targets (the application's unless another is named).
        'LoadBalancerInfo': {'ContainerName': target.get('loadBalancerContainerName') or target['containerName'],
                             'ContainerPort': int(target['containerPort'])},
    }
    strategy = target.get('capacityProviderStrategy') or []
    if strategy:
        # CodeDeploy removes the strategy from the service when the AppSpec omits it
        # (aws/containers-roadmap#1752), so the service's strategy is repeated here.
        properties['CapacityProviderStrategy'] = [
            {'CapacityProvider': s['capacityProvider'], 'Base': int(s.get('base') or 0), 'Weight': int(s.get('weight') or 0)}
            for s in strategy
        ]
    # CodeDeploy documents the AppSpec version as 0.0: json writes the float 0.0 with that spelling.
    appspec = {'version': 0.0, 'Resources': [{'TargetService': {'Type': 'AWS::ECS::Service', 'Properties': properties}}]}
    hooks = [{event: target_arn} for event, target_arn in target.get('hooks') or []]
    if hooks:
        appspec['Hooks'] = hooks
    with open(output, 'w') as handle:
        handle.write(json.dumps(appspec, separators=(',', ':')) + '\n')
    print('Wrote %s' % output)


def render_imagedefinitions(name):
    """imagedefinitions.json of CodePipeline's standard ECS deploy action: one entry per built container
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/file-reference.html)."""
    config = settings()
    target = environment(name)
    output = output_path(config, target, 'imageDefinitions')
    definitions = [{'name': target['containerName'] if container is None else container, 'imageUri': uri}
                   for container, uri in recorded_images(config)]
    with open(output, 'w') as handle:
        json.dump(definitions, handle, indent=2)
        handle.write('\n')
    print('Wrote %s (%s)' % (output, ', '.join('%s -> %s' % (d['name'], d['imageUri']) for d in definitions)))


def output_kinds(name):
    """The kinds of file the environment's engine deploys from, space separated."""
    print(' '.join(kind for kind in OUTPUT_KINDS if kind in outputs_of(settings(), environment(name))))


def image_detail(image_uri):
    """imageDetail.json (the application's image, read by the CodeDeploy ECS action) and the list of
    every image the build pushed (read by the production image tagging, so that the additional
    containers' images are kept as long as the application's)."""
    config = settings()
    output = os.path.join(config['artifactDirectory'], config['imageDetailFile'])
    if '@sha256:' not in image_uri:
        fail('refusing to write a non-digest image URI: %r' % image_uri)
    with open(output, 'w') as handle:
        json.dump({'ImageURI': image_uri}, handle)
        handle.write('\n')
    print('Wrote %s (ImageURI %s)' % (output, image_uri))
    recorded = recorded_images(config) if os.path.exists(IMAGES_FILE) else [(None, image_uri)]
    if recorded[0][1] != image_uri:
        fail('the recorded application image %s is not %s' % (recorded[0][1], image_uri))
    # The application's entry names no container: its deployed tag stays the plain one.
    built = [dict(({} if container is None else {'container': container}), imageUri=uri) for container, uri in recorded]
    built_output = os.path.join(config['artifactDirectory'], config['builtImagesFile'])
    with open(built_output, 'w') as handle:
        json.dump(built, handle)
        handle.write('\n')
    print('Wrote %s (%d image(s))' % (built_output, len(built)))


COMMANDS = {
    'shell-settings': (shell_settings, 0),
    'image-digest': (image_digest, 1),
    'scan-type': (scan_type, 1),
    'scan-gate': (scan_gate, 4),
    'remote-environment': (remote_environment, 1),
    'task-definition-arn': (task_definition_arn, 1),
    'render-taskdef': (render_taskdef, 2),
    'render-appspec': (render_appspec, 1),
    'image-detail': (image_detail, 1),
    'image-settings': (image_settings, 1),
    'record-image': (record_image, 2),
    'render-imagedefinitions': (render_imagedefinitions, 1),
    'output-kinds': (output_kinds, 1),
}

if __name__ == '__main__':
    command = sys.argv[1] if len(sys.argv) > 1 else ''
    if command not in COMMANDS or len(sys.argv) - 2 != COMMANDS[command][1]:
        fail('usage: %s {%s} ARGS...' % (sys.argv[0], '|'.join(sorted(COMMANDS))))
    COMMANDS[command][0](*sys.argv[2:])
