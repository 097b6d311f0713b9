// Reads and edits the GNU symbol-version tables of 64-bit little-endian ELF shared libraries.
//
// Why this exists: TorchSharp 0.107.0's libLibTorchSharp.so was linked against the libstdc++ of GCC 13 and so
// records a need for version GLIBCXX_3.4.32. GCC 13 emits that need only as a link-time marker for one symbol,
// std::ios_base_library_init(), that no relocation uses. Debian 12's libstdc++ (GCC 12) stops at GLIBCXX_3.4.30,
// so the dynamic loader refuses the library although nothing it calls is missing. Marking that one requirement
// weak (VER_FLG_WEAK in .gnu.version_r) tells the loader a missing version is not fatal. The build applies this to
// the copy in each output folder (see build/LibTorchSharpPatch.targets); the NuGet cache is never written.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory into the build task (C# 7.3, netstandard2.0, so
// it keeps to old syntax), and into Distill.Core.Tests with DISTILL_ELF_TESTS defined, which leaves the task out.
#nullable disable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Distill.Build
{
    /// <summary>One entry of an ELF file's version-needs table: a version of a library this file asks for.</summary>
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string library, string version, ushort flags, long flagsOffset)
        {
            Library = library;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        /// <summary>File name of the library that must provide the version, e.g. libstdc++.so.6.</summary>
        public string Library { get; private set; }

        /// <summary>The version name, e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; private set; }

        /// <summary>vna_flags of the entry; bit 0x2 (VER_FLG_WEAK) makes a missing version non-fatal.</summary>
        public ushort Flags { get; private set; }

        /// <summary>Byte offset of vna_flags in the file.</summary>
        public long FlagsOffset { get; private set; }

        /// <summary>True when the loader tolerates the version being absent.</summary>
        public bool IsWeak { get { return (Flags & ElfSymbolVersions.VerFlagWeak) != 0; } }
    }

    /// <summary>What <see cref="ElfSymbolVersions.WeakenVersionNeed"/> did to a file.</summary>
    public enum WeakenOutcome
    {
        /// <summary>The requirement was strong and is now weak.</summary>
        Weakened,
        /// <summary>The requirement was already weak; the file was not written.</summary>
        AlreadyWeak,
        /// <summary>The file does not ask for that version; the file was not written.</summary>
        NotNeeded,
    }

    /// <summary>Minimal reader and editor for ELF64 little-endian GNU version sections.</summary>
    public static class ElfSymbolVersions
    {
        /// <summary>VER_FLG_WEAK from elf.h.</summary>
        public const ushort VerFlagWeak = 0x2;

        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Lists the versions a shared library defines (its .gnu.version_d section), e.g. GLIBCXX_3.4.30.</summary>
        public static List<string> ReadDefinedVersions(byte[] elf)
        {
            var result = new List<string>();
            foreach (var section in ReadSections(elf))
            {
                if (section.Type != ShtGnuVerdef)
                {
                    continue;
                }

                var strings = StringTableOffset(elf, section);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32
                    var count = U16(elf, entry + 6);
                    var aux = entry + U32(elf, entry + 12);
                    if (count > 0)
                    {
                        // The first Elf64_Verdaux (vda_name u32, vda_next u32) names the version itself; later ones its parents.
                        result.Add(CString(elf, strings + U32(elf, aux)));
                    }

                    var next = U32(elf, entry + 16);
                    if (next == 0)
                    {
                        break;
                    }

                    entry += next;
                }
            }

            return result;
        }

        /// <summary>Lists the versions a file needs from other libraries (its .gnu.version_r section).</summary>
        public static List<ElfVersionNeed> ReadVersionNeeds(byte[] elf)
        {
            var result = new List<ElfVersionNeed>();
            foreach (var section in ReadSections(elf))
            {
                if (section.Type != ShtGnuVerneed)
                {
                    continue;
                }

                var strings = StringTableOffset(elf, section);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                    var count = U16(elf, entry + 2);
                    var library = CString(elf, strings + U32(elf, entry + 4));
                    long aux = entry + U32(elf, entry + 8);
                    for (int j = 0; j < count; j++)
                    {
                        // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                        var flags = U16(elf, aux + 4);
                        var name = CString(elf, strings + U32(elf, aux + 8));
                        result.Add(new ElfVersionNeed(library, name, flags, aux + 4));
                        var nextAux = U32(elf, aux + 12);
                        if (nextAux == 0)
                        {
                            break;
                        }

                        aux += nextAux;
                    }

                    var next = U32(elf, entry + 12);
                    if (next == 0)
                    {
                        break;
                    }

                    entry += next;
                }
            }

            return result;
        }

        /// <summary>
        /// Marks the file's need for <paramref name="version"/> weak. The edited bytes go to a new file in the same
        /// folder that then replaces <paramref name="path"/>, so a hard or symbolic link at that path (for example
        /// into the NuGet cache) is replaced, never written through.
        /// </summary>
        public static WeakenOutcome WeakenVersionNeed(string path, string version)
        {
            var bytes = File.ReadAllBytes(path);
            ElfVersionNeed need = null;
            foreach (var candidate in ReadVersionNeeds(bytes))
            {
                if (candidate.Version == version)
                {
                    need = candidate;
                    break;
                }
            }

            if (need == null)
            {
                return WeakenOutcome.NotNeeded;
            }

            if (need.IsWeak)
            {
                return WeakenOutcome.AlreadyWeak;
            }

            var flags = (ushort)(need.Flags | VerFlagWeak);
            bytes[need.FlagsOffset] = (byte)(flags & 0xff);
            bytes[need.FlagsOffset + 1] = (byte)(flags >> 8);

            var temporary = path + ".distill-tmp";
            // Copy first so that the replacement keeps the original's permission bits, then edit the two bytes.
            File.Copy(path, temporary, true);
            File.WriteAllBytes(temporary, bytes);
            // rename(2) over the old name: atomic, and it replaces a link instead of writing through it.
            File.Replace(temporary, path, null);
            return WeakenOutcome.Weakened;
        }

        /// <summary>
        /// Finds the libstdc++.so.6 the dynamic loader would use for this process's architecture: the loader cache
        /// first (ldconfig -p), then the usual library folders. Null when there is none.
        /// </summary>
        public static string FindSystemLibStdCxx()
        {
            var arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "AArch64" : "x86-64";
            foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
            {
                try
                {
                    var start = new ProcessStartInfo(ldconfig, "-p")
                    {
                        RedirectStandardOutput = true,
                        RedirectStandardError = true,
                        UseShellExecute = false,
                    };
                    using (var process = Process.Start(start))
                    {
                        var output = process.StandardOutput.ReadToEnd();
                        process.WaitForExit();
                        foreach (var line in output.Split('\n'))
                        {
                            // "	libstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6"
                            var trimmed = line.Trim();
                            if (!trimmed.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal) || trimmed.IndexOf(arch, StringComparison.Ordinal) < 0)
                            {
                                continue;
                            }

                            var arrow = trimmed.IndexOf("=> ", StringComparison.Ordinal);
                            if (arrow >= 0 && File.Exists(trimmed.Substring(arrow + 3)))
                            {
                                return trimmed.Substring(arrow + 3);
                            }
                        }
                    }

                    break;
                }
                catch (Exception)
                {
                    // Not at this path (or not runnable): try the next one, then the folders below.
                }
            }

            var triplet = arch == "AArch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
            foreach (var folder in new[] { "/lib/" + triplet, "/usr/lib/" + triplet, "/usr/lib64", "/lib64", "/usr/lib", "/lib" })
            {
                var candidate = Path.Combine(folder, "libstdc++.so.6");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        private sealed class Section
        {
            public uint Type;
            public long Offset;
            public uint Link;
            public uint Info;
        }

        private static List<Section> ReadSections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            {
                throw new InvalidDataException("not an ELF file");
            }

            if (elf[4] != 2 || elf[5] != 1)
            {
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
            }

            var sectionTable = (long)U64(elf, 0x28);
            var entrySize = U16(elf, 0x3A);
            var count = U16(elf, 0x3C);
            var sections = new List<Section>(count);
            for (int i = 0; i < count; i++)
            {
                var header = sectionTable + (long)i * entrySize;
                if (header + 64 > elf.Length)
                {
                    throw new InvalidDataException("section table runs past the end of the file");
                }

                // Elf64_Shdr: sh_name u32, sh_type u32, sh_flags u64, sh_addr u64, sh_offset u64, sh_size u64, sh_link u32, sh_info u32, ...
                sections.Add(new Section
                {
                    Type = U32(elf, header + 4),
                    Offset = (long)U64(elf, header + 24),
                    Link = U32(elf, header + 40),
                    Info = U32(elf, header + 44),
                });
            }

            return sections;
        }

        private static long StringTableOffset(byte[] elf, Section versionSection)
        {
            var sections = ReadSections(elf);
            if (versionSection.Link >= sections.Count)
            {
                throw new InvalidDataException("version section links to a missing string table");
            }

            return sections[(int)versionSection.Link].Offset;
        }

        private static ushort U16(byte[] b, long at)
        {
            Check(b, at, 2);
            return (ushort)(b[at] | (b[at + 1] << 8));
        }

        private static uint U32(byte[] b, long at)
        {
            Check(b, at, 4);
            return (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));
        }

        private static ulong U64(byte[] b, long at)
        {
            return U32(b, at) | ((ulong)U32(b, at + 4) << 32);
        }

        private static string CString(byte[] b, long at)
        {
            var end = at;
            while (end < b.Length && b[end] != 0)
            {
                end++;
            }

            Check(b, at, (int)(end - at));
            return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
        }

        private static void Check(byte[] b, long at, int length)
        {
            if (at < 0 || at + length > b.Length)
            {
                throw new InvalidDataException("offset " + at + " is outside the file (" + b.Length + " bytes)");
            }
        }
    }

#if !DISTILL_ELF_TESTS
    /// <summary>
    /// MSBuild task: marks the GLIBCXX_3.4.32 requirement of each given libLibTorchSharp.so weak, but only when the
    /// system libstdc++ does not define that version. Elsewhere it does nothing.
    /// </summary>
    public sealed class WeakenLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
    {
        /// <summary>The copies of libLibTorchSharp.so in an output or publish folder.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; }

        /// <summary>The version to weaken; GLIBCXX_3.4.32 unless told otherwise.</summary>
        public string Version { get; set; }

        /// <summary>The libstdc++ to test instead of the one the loader would find (for testing the build).</summary>
        public string SystemLibStdCxx { get; set; }

        public override bool Execute()
        {
            var version = string.IsNullOrEmpty(Version) ? "GLIBCXX_3.4.32" : Version;
            var libstdcxx = string.IsNullOrEmpty(SystemLibStdCxx) ? ElfSymbolVersions.FindSystemLibStdCxx() : SystemLibStdCxx;
            if (libstdcxx == null)
            {
                Log.LogWarning("Distill: no libstdc++.so.6 found on this system; libLibTorchSharp.so left as it is.");
                return true;
            }

            if (ElfSymbolVersions.ReadDefinedVersions(File.ReadAllBytes(libstdcxx)).Contains(version))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    "Distill: {0} defines {1}; libLibTorchSharp.so needs no change.", libstdcxx, version);
                return true;
            }

            foreach (var item in Libraries)
            {
                var path = item.ItemSpec;
                try
                {
                    var outcome = ElfSymbolVersions.WeakenVersionNeed(path, version);
                    if (outcome == WeakenOutcome.Weakened)
                    {
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            "Distill: {0} lacks {1}; marked that requirement weak in {2} (see README, 'TorchSharp on Debian 12').",
                            libstdcxx, version, path);
                    }
                }
                catch (Exception e)
                {
                    Log.LogError("Distill: could not mark {0} weak in {1}: {2}", version, path, e.Message);
                }
            }

            return !Log.HasLoggedErrors;
        }
    }
#endif
}
