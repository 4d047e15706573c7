'use strict';
// The platforms engram-arena ships prebuilt binaries for, in one place: the
// build (prebuild-all.js), the host shortcut (prebuild.js), the verifier and
// the tests all read it, so a target is added or dropped here alone. This
// module requires nothing from the other scripts, so it can never close an
// import cycle.

/**
 * `zig` is the Zig target triple. The glibc builds name glibc 2.17 (CentOS 7,
 * Amazon Linux 2) so that they load on old distributions; macOS names the
 * oldest release the Node versions in `engines` run on (10.15 on Intel, 11 on
 * Apple silicon). armv7 is Debian's armhf ABI (EABI5, hard-float), that of
 * Node's own linux-armv7l builds; Zig's baseline CPU for that triple is
 * ARMv7-A with VFPv3.
 */
const TARGETS = [
  { platform: 'linux', arch: 'x64', libc: 'glibc', zig: 'x86_64-linux-gnu.2.17', glibc: '2.17' },
  { platform: 'linux', arch: 'x64', libc: 'musl', zig: 'x86_64-linux-musl' },
  { platform: 'linux', arch: 'arm64', libc: 'glibc', zig: 'aarch64-linux-gnu.2.17', glibc: '2.17' },
  { platform: 'linux', arch: 'arm64', libc: 'musl', zig: 'aarch64-linux-musl' },
  { platform: 'linux', arch: 'arm', libc: 'glibc', zig: 'arm-linux-gnueabihf.2.17', glibc: '2.17' },
  { platform: 'darwin', arch: 'x64', zig: 'x86_64-macos.10.15' },
  { platform: 'darwin', arch: 'arm64', zig: 'aarch64-macos.11.0' },
  { platform: 'win32', arch: 'x64', zig: 'x86_64-windows-gnu' },
  { platform: 'win32', arch: 'arm64', zig: 'aarch64-windows-gnu' },
].map((target) => Object.freeze({ ...target, id: targetId(target) }));

/** `linux-arm64-musl`, `win32-x64`: how targets are named on command lines and in build/cross/. */
function targetId({ platform, arch, libc }) {
  return [platform, arch, libc].filter(Boolean).join('-');
}

/** The target with this id or Zig triple; throws naming the known ones. */
function findTarget(name) {
  const target = TARGETS.find((t) => t.id === name || t.zig === name);
  if (!target) throw new Error(`unknown target ${name}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
  return target;
}

/** Every target when `names` is empty, else the named ones in that order. */
function selectTargets(names) {
  return names.length === 0 ? TARGETS : names.map(findTarget);
}

module.exports = { TARGETS, targetId, findTarget, selectTargets };
