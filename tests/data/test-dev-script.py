#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of build-aux/dev.sh, build-aux/meson-test-summary.py and .ci/run.

dev.sh runs from a copy of build-aux/ in a temporary folder with its own packages.txt, and
with stand-ins for apt-get, meson, ninja and id first in PATH that record how they were called.
dpkg-query is the real one: "dpkg" is always installed, "ts-no-such-package-*" never is.

Usage: test-dev-script.py SOURCE_ROOT
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

SOURCE_ROOT = None

# Records each call as one JSON line in $FAKE_LOG. "meson setup" makes a build dir with a
# stand-in app that records its arguments and environment; "meson test" writes a testlog
# for the suite from $FAKE_RESULTS_DIR/<suite>.json, or fails without a log when that file
# says so.
FAKE_TOOL = textwrap.dedent('''\
    #!/usr/bin/python3
    import json, os, sys
    name = os.path.basename(sys.argv[0])
    with open(os.environ['FAKE_LOG'], 'a') as log:
        log.write(json.dumps([name] + sys.argv[1:]) + '\\n')
    args = sys.argv[1:]
    if name == 'id':
        print(os.environ['FAKE_UID'])
    elif name == 'meson' and args[0] == 'setup':
        build = args[-1]
        os.makedirs(os.path.join(build, 'src'), exist_ok=True)
        os.makedirs(os.path.join(build, 'meson-private'), exist_ok=True)
        open(os.path.join(build, 'build.ninja'), 'w').close()
        open(os.path.join(build, 'meson-private', 'coredata.dat'), 'w').close()
        app = os.path.join(build, 'src', 'torrentstream')
        with open(app, 'w') as f:
            f.write('#!/usr/bin/python3\\n'
                    'import json, os, sys\\n'
                    'with open(os.environ["FAKE_LOG"], "a") as log:\\n'
                    '    log.write(json.dumps(["app", sys.argv[1:],'
                    ' os.environ.get("GSETTINGS_SCHEMA_DIR"),'
                    ' os.environ.get("XDG_DATA_DIRS")]) + "\\\\n")\\n')
        os.chmod(app, 0o755)
    elif name == 'meson' and args[0] == 'test':
        build = args[args.index('-C') + 1]
        logbase = args[args.index('--logbase') + 1]
        suite = logbase[len('testlog-'):]
        spec_path = os.path.join(os.environ['FAKE_RESULTS_DIR'], suite + '.json')
        if not os.path.exists(spec_path):
            print('No suitable tests defined.')
            sys.exit(0)
        with open(spec_path) as f:
            spec = json.load(f)
        if spec == 'broken-build':
            sys.exit(125)
        os.makedirs(os.path.join(build, 'meson-logs'), exist_ok=True)
        with open(os.path.join(build, 'meson-logs', logbase + '.json'), 'w') as log:
            for i, result in enumerate(spec):
                log.write(json.dumps({'name': f'{suite}-{i}', 'result': result}) + '\\n')
        sys.exit(1 if any(r not in ('OK', 'SKIP', 'EXPECTEDFAIL') for r in spec) else 0)
''')


class DevScriptTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='ts-dev-sh-')
        self.addCleanup(shutil.rmtree, self.tmp)
        self.repo = os.path.join(self.tmp, 'repo')
        os.makedirs(os.path.join(self.repo, 'build-aux'))
        for name in ('dev.sh', 'meson-test-summary.py'):
            shutil.copy2(os.path.join(SOURCE_ROOT, 'build-aux', name),
                         os.path.join(self.repo, 'build-aux', name))
        self.bin = os.path.join(self.tmp, 'bin')
        os.makedirs(self.bin)
        for tool in ('apt-get', 'meson', 'ninja', 'id'):
            path = os.path.join(self.bin, tool)
            with open(path, 'w') as f:
                f.write(FAKE_TOOL)
            os.chmod(path, 0o755)
        self.results = os.path.join(self.tmp, 'results')
        os.makedirs(self.results)
        self.log = os.path.join(self.tmp, 'calls.log')
        open(self.log, 'w').close()

    def packages(self, build, test):
        with open(os.path.join(self.repo, 'build-aux', 'packages.txt'), 'w') as f:
            f.write('# comment line\n')
            f.write(f'build: {build}  # trailing comment\n')
            f.write(f'test: {test}\n')

    def results_for(self, **suites):
        for suite, spec in suites.items():
            with open(os.path.join(self.results, suite + '.json'), 'w') as f:
                json.dump(spec, f)

    def dev(self, *args, uid=0):
        env = dict(os.environ)
        env.update(PATH=self.bin + ':/usr/bin:/bin', FAKE_LOG=self.log, FAKE_UID=str(uid),
                   FAKE_RESULTS_DIR=self.results)
        env.pop('GSETTINGS_SCHEMA_DIR', None)
        env.pop('XDG_DATA_DIRS', None)
        # Run from elsewhere: the script must find the repository by itself.
        return subprocess.run([os.path.join(self.repo, 'build-aux', 'dev.sh'), *args],
                              cwd=self.tmp, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)

    def calls(self, tool=None):
        with open(self.log) as f:
            calls = [json.loads(line) for line in f]
        open(self.log, 'w').close()
        return [c for c in calls if tool is None or c[0] == tool]

    def test_root_installs_only_missing_build_packages_for_run(self):
        self.packages('dpkg ts-no-such-package-a', 'ts-no-such-package-b')
        result = self.dev('run', '--headless', 'a b.torrent', uid=0)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.calls('apt-get'), [
            ['apt-get', '-o', 'DPkg::Lock::Timeout=300', 'update'],
            ['apt-get', '-o', 'DPkg::Lock::Timeout=300', 'install', '-y',
             '--no-install-recommends', 'ts-no-such-package-a'],
        ])

    def test_root_installs_build_and_test_packages_for_test(self):
        self.packages('dpkg ts-no-such-package-a', 'ts-no-such-package-b')
        self.results_for(data=['OK'])
        result = self.dev('test', uid=0)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        installs = [c for c in self.calls('apt-get') if 'install' in c]
        self.assertEqual(installs, [['apt-get', '-o', 'DPkg::Lock::Timeout=300', 'install',
                                     '-y', '--no-install-recommends',
                                     'ts-no-such-package-a', 'ts-no-such-package-b']])

    def test_user_gets_the_command_and_nothing_runs(self):
        self.packages('dpkg ts-no-such-package-a', 'ts-no-such-package-b')
        result = self.dev('test', uid=1000)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout.splitlines()[-1],
                         'sudo apt-get install -y --no-install-recommends '
                         'ts-no-such-package-a ts-no-such-package-b')
        self.assertIn('ts-no-such-package-a', result.stderr)
        self.assertEqual([c[0] for c in self.calls()], ['id'])

    def test_second_run_does_nothing_heavy(self):
        self.packages('dpkg', 'dpkg')
        first = self.dev('run', '--headless', 'a b.torrent')
        self.assertEqual(first.returncode, 0, first.stderr)
        calls = self.calls()
        self.assertEqual([c for c in calls if c[0] in ('apt-get', 'meson')],
                         [['meson', 'setup', '_build']])
        self.assertIn(['ninja', '-C', '_build'], calls)
        app = [c for c in calls if c[0] == 'app']
        self.assertEqual(len(app), 1)
        self.assertEqual(app[0][1], ['--headless', 'a b.torrent'])
        self.assertEqual(app[0][2], os.path.join(self.repo, '_build', 'data'))
        self.assertTrue(app[0][3].startswith(os.path.join(self.repo, 'data') + ':'))

        second = self.dev('run')
        self.assertEqual(second.returncode, 0, second.stderr)
        calls = self.calls()
        self.assertEqual([c for c in calls if c[0] in ('apt-get', 'meson')], [])
        self.assertIn(['ninja', '-C', '_build'], calls)

    def test_half_configured_build_dir_is_reconfigured(self):
        self.packages('dpkg', 'dpkg')
        os.makedirs(os.path.join(self.repo, '_build', 'meson-private'))
        open(os.path.join(self.repo, '_build', 'meson-private', 'coredata.dat'), 'w').close()
        result = self.dev('run')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.calls('meson'), [['meson', 'setup', '--reconfigure', '_build']])

    def test_counts_every_suite(self):
        self.packages('dpkg', 'dpkg')
        self.results_for(data=['OK', 'OK', 'EXPECTEDFAIL'], unit=['OK', 'SKIP'],
                         integration=['OK'], other=['OK'])
        # A log left by an earlier run must not be counted.
        os.makedirs(os.path.join(self.repo, '_build', 'meson-logs'))
        with open(os.path.join(self.repo, '_build', 'meson-logs', 'testlog-ui.json'), 'w') as f:
            f.write(json.dumps({'name': 'stale', 'result': 'FAIL'}) + '\n')
        result = self.dev('test')
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout.splitlines()[-1], '6 passed, 0 failed, 1 skipped')
        suites = [c[c.index('--suite') + 1] for c in self.calls('meson') if '--suite' in c]
        self.assertEqual(suites, ['data', 'unit', 'integration', 'ui'])

    def test_failures_make_it_fail(self):
        self.packages('dpkg', 'dpkg')
        self.results_for(data=['OK'], unit=['FAIL', 'OK'], integration=['TIMEOUT'])
        result = self.dev('test')
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout.splitlines()[-1], '2 passed, 2 failed')

    def test_suite_that_could_not_run_counts_as_failed(self):
        self.packages('dpkg', 'dpkg')
        self.results_for(data=['OK'], ui='broken-build')
        result = self.dev('test')
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout.splitlines()[-1], '1 passed, 1 failed')
        self.assertIn('suite ui', result.stderr)

    def test_no_test_ran_fails(self):
        self.packages('dpkg', 'dpkg')
        result = self.dev('test')
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout.splitlines()[-1], '0 passed, 0 failed')

    def test_unknown_command_is_refused(self):
        self.packages('dpkg', 'dpkg')
        result = self.dev('build')
        self.assertEqual(result.returncode, 2)
        self.assertIn('usage:', result.stderr)
        self.assertEqual(self.calls(), [])


class CiRunTest(unittest.TestCase):
    """.ci/run against a stand-in dev.sh that prints some lines and exits with a status."""

    def ci(self, output, status):
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, '.ci'))
            os.makedirs(os.path.join(tmp, 'build-aux'))
            shutil.copy2(os.path.join(SOURCE_ROOT, '.ci', 'run'), os.path.join(tmp, '.ci', 'run'))
            with open(os.path.join(tmp, 'output'), 'w') as f:
                f.write(output)
            dev = os.path.join(tmp, 'build-aux', 'dev.sh')
            with open(dev, 'w') as f:
                f.write('#!/bin/sh\n[ "$*" = test ] || exit 99\n')
                f.write(f'cat "$(dirname "$0")/../output"\nexit {status}\n')
            os.chmod(dev, 0o755)
            return subprocess.run(['bash', os.path.join(tmp, '.ci', 'run')], cwd='/',
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=30)

    def test_passes_the_count_and_status_through(self):
        result = self.ci('building\n12 passed, 0 failed, 2 skipped\n', 0)
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout.splitlines()[-1], '12 passed, 0 failed, 2 skipped')
        result = self.ci('3 passed, 1 failed\n', 1)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout.splitlines()[-1], '3 passed, 1 failed')

    def test_stop_before_the_tests_still_ends_with_a_count(self):
        result = self.ci('ninja: build stopped: subcommand failed.\n', 1)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout.splitlines()[-1], '0 passed, 1 failed')


class SummaryTest(unittest.TestCase):

    def summary(self, *logs, errors=0):
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for i, lines in enumerate(logs):
                path = os.path.join(tmp, f'testlog-{i}.json')
                with open(path, 'w') as f:
                    f.write(lines)
                paths.append(path)
            return subprocess.run(
                ['/usr/bin/python3',
                 os.path.join(SOURCE_ROOT, 'build-aux', 'meson-test-summary.py'),
                 '--errors', str(errors), *paths],
                capture_output=True, text=True, timeout=30)

    @staticmethod
    def log(*results):
        return ''.join(json.dumps({'name': f't{i}', 'result': r, 'duration': 0.1}) + '\n'
                       for i, r in enumerate(results))

    def test_counts_results(self):
        result = self.summary(self.log('OK', 'SKIP', 'EXPECTEDFAIL'),
                              self.log('FAIL', 'TIMEOUT', 'ERROR', 'UNEXPECTEDPASS', 'OK'))
        self.assertEqual(result.stdout.splitlines()[-1], '3 passed, 4 failed, 1 skipped')
        self.assertEqual(result.returncode, 1)

    def test_all_passed(self):
        result = self.summary(self.log('OK', 'OK'))
        self.assertEqual(result.stdout.splitlines(), ['2 passed, 0 failed'])
        self.assertEqual(result.returncode, 0)

    def test_only_skips_is_no_test_run(self):
        result = self.summary(self.log('SKIP'))
        self.assertEqual(result.stdout.splitlines(), ['0 passed, 0 failed, 1 skipped'])
        self.assertEqual(result.returncode, 1)

    def test_errors_count_as_failures(self):
        result = self.summary(self.log('OK'), errors=1)
        self.assertEqual(result.stdout.splitlines()[-1], '1 passed, 1 failed')
        self.assertEqual(result.returncode, 1)

    def test_garbage_is_an_error_with_a_place(self):
        result = self.summary('{"name": "x", "result": "OK"}\nnot json\n')
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(':2: not a meson test log line', result.stderr)


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    SOURCE_ROOT = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
