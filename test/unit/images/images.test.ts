import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeImage, parseImageRef } from '../../../src/images/image-ref.js';
import { builtinImageFor, pullErrorMessage } from '../../../src/images/builtin.js';
import { resolveCommand } from '../../../src/images/command.js';
import { parseFlags } from '../../../src/images/flags.js';
import { udpAnswer } from '../../../src/images/agnhost-netexec.js';
import { accessLogLine, bootcampGreeting } from '../../../src/images/web-servers.js';

describe('image references', () => {
  const cases: [string, string][] = [
    ['httpd', 'docker.io/library/httpd:latest'],
    ['httpd:2.4', 'docker.io/library/httpd:2.4'],
    ['docker.io/library/httpd', 'docker.io/library/httpd:latest'],
    ['jocatalin/kubernetes-bootcamp:v1', 'docker.io/jocatalin/kubernetes-bootcamp:v1'],
    ['gcr.io/google-samples/kubernetes-bootcamp:v1', 'gcr.io/google-samples/kubernetes-bootcamp:v1'],
    ['registry.k8s.io/e2e-test-images/agnhost:2.53', 'registry.k8s.io/e2e-test-images/agnhost:2.53'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['busybox@sha256:abc', 'docker.io/library/busybox@sha256:abc'],
  ];
  for (const [ref, want] of cases) it(`normalizes ${ref}`, () => assert.equal(normalizeImage(ref), want));

  it('rejects malformed references naming them', () => {
    assert.throws(() => parseImageRef(''), /invalid reference format/);
    assert.throws(() => parseImageRef('Foo'), /"Foo"/);
    assert.throws(() => parseImageRef('a//b'), /invalid reference format/);
  });
});

describe('built-in images', () => {
  const cases: [string, string | undefined][] = [
    ['httpd', 'httpd'],
    ['httpd:2.4', 'httpd'],
    ['docker.io/library/httpd', 'httpd'],
    ['bootcamp:v1', 'bootcamp'],
    ['gcr.io/google-samples/kubernetes-bootcamp:v1', 'bootcamp'],
    ['jocatalin/kubernetes-bootcamp:v1', 'bootcamp'],
    ['registry.k8s.io/e2e-test-images/agnhost:2.39', 'agnhost'],
    ['busybox:1.36', 'busybox'],
    ['registry.k8s.io/coredns/coredns:v1.11.1', 'coredns'],
    ['registry.k8s.io/pause:3.9', 'pause'],
    ['nginx:1.27', 'nginx'],
    ['nosuch:1', undefined],
    ['Bad Ref', undefined],
  ];
  for (const [ref, want] of cases) it(`maps ${ref} to ${want}`, () => assert.equal(builtinImageFor(ref), want));

  it('words the pull error as kubelet does', () => {
    assert.equal(pullErrorMessage('foo:1'), 'Failed to pull image "foo:1": podnet has no built-in image "foo" and no registry is reachable');
  });
});

describe('resolveCommand', () => {
  const base = { nodePath: '/usr/bin/node', mainJs: '/repo/dist/src/images/main.js' };
  it('runs a built-in image through main.js with its args', () => {
    const r = resolveCommand({ ...base, image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec', '--http-port=8080'] });
    assert.deepEqual(r, { ok: true, argv: ['/usr/bin/node', base.mainJs, 'registry.k8s.io/e2e-test-images/agnhost:2.53', 'netexec', '--http-port=8080'] });
  });
  it('maps a command naming the image entrypoint to the built-in', () => {
    const r = resolveCommand({ ...base, image: 'agnhost:2.53', command: ['/agnhost', 'serve-hostname'], args: ['--port', '9376'] });
    assert.deepEqual(r, { ok: true, argv: ['/usr/bin/node', base.mainJs, 'agnhost:2.53', 'serve-hostname', '--port', '9376'] });
  });
  it('runs any other command with the host tools', () => {
    assert.deepEqual(resolveCommand({ ...base, image: 'busybox', command: ['sleep', '3600'] }), { ok: true, argv: ['sleep', '3600'] });
    assert.deepEqual(resolveCommand({ ...base, image: 'httpd', command: ['python3', '-m', 'http.server'] }), { ok: true, argv: ['python3', '-m', 'http.server'] });
  });
  it('gives busybox its default CMD sh, or the args as CMD', () => {
    assert.deepEqual(resolveCommand({ ...base, image: 'busybox' }), { ok: true, argv: ['sh'] });
    assert.deepEqual(resolveCommand({ ...base, image: 'busybox', args: ['sleep', '5'] }), { ok: true, argv: ['sleep', '5'] });
  });
  it('fails an unknown image with ErrImagePull', () => {
    const r = resolveCommand({ ...base, image: 'nosuch:1' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'ErrImagePull');
  });
});

describe('flags', () => {
  const spec = { 'http-port': 'number', udp: 'boolean', conf: 'string' } as const;
  it('parses pflag and Go flag forms', () => {
    assert.deepEqual(parseFlags('t', ['--http-port=81', '--udp', '-conf', '/x'], spec, { 'http-port': 8080, udp: false }), { 'http-port': 81, udp: true, conf: '/x' });
    assert.deepEqual(parseFlags('t', ['--http-port', '82', '--udp=false'], spec, {}), { 'http-port': 82, udp: false });
  });
  it('names the bad flag', () => {
    assert.throws(() => parseFlags('t', ['--nope'], spec, {}), /Unknown flag "--nope"/);
    assert.throws(() => parseFlags('t', ['--http-port=x'], spec, {}), /Invalid value "x" for flag --http-port/);
    assert.throws(() => parseFlags('t', ['--conf'], spec, {}), /--conf needs a value/);
  });
});

describe('program answers', () => {
  it('netexec UDP commands', () => {
    assert.equal(udpAnswer('hostname\n', '10.0.0.1:5', 'p1'), 'p1');
    assert.equal(udpAnswer('echo hi there', '10.0.0.1:5', 'p1'), 'hi there');
    assert.equal(udpAnswer('clientip', '10.0.0.1:5', 'p1'), '10.0.0.1:5');
    assert.equal(udpAnswer('bogus', '10.0.0.1:5', 'p1'), undefined);
  });
  it('bootcamp greeting', () => {
    assert.equal(bootcampGreeting('web-1'), 'Hello Kubernetes bootcamp! | Running on: web-1 | v=1\n');
  });
  it('httpd access log in common log format with the plain IPv4 client', () => {
    const line = accessLogLine('::ffff:10.244.1.5', { method: 'GET', url: '/x', httpVersion: '1.1' }, 200, 45, new Date(Date.UTC(2026, 10, 23, 17, 40, 1)));
    assert.equal(line, '10.244.1.5 - - [23/Nov/2026:17:40:01 +0000] "GET /x HTTP/1.1" 200 45');
  });
});
