using Distill.Cli.Commands;
using Distill.Cli.Recipes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli;

/// <summary>
/// The <c>distill</c> command line: parses arguments, runs a command and turns failures into one line and an exit
/// code: 0 success, 1 a failed run, 2 bad input or a machine that lacks what the run needs. A stack trace is printed
/// only with <c>--verbose</c>.
/// </summary>
public static class DistillApp
{
    /// <summary>Exit code of a successful run.</summary>
    public const int Success = 0;

    /// <summary>Exit code of a run that started and failed.</summary>
    public const int RunFailed = 1;

    /// <summary>Exit code of bad input (arguments, files, settings) or a missing prerequisite.</summary>
    public const int BadInput = 2;

    /// <summary>Runs the command line <paramref name="args"/> against <paramref name="console"/>.</summary>
    public static int Run(string[] args, IAnsiConsole console, CancellationToken cancellation = default)
    {
        var verbose = args.Contains("--verbose");
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("distill");
            config.SetApplicationVersion(typeof(DistillApp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
            config.ConfigureConsole(console);
            config.PropagateExceptions();
            config.AddCommand<RecipeCommand>("recipe")
                .WithDescription("Run a whole distillation from one recipe: teacher, cache, students, baseline, evaluation, export, report.")
                .WithExample("recipe", "recipes/bert-to-tiny.yaml")
                .WithExample("recipe", "recipes/bert-to-tiny.yaml", "--quick")
                .WithExample("recipe", "recipes/bert-to-tiny.yaml", "--dry-run", "--set", "seeds=[1]");
            config.AddCommand<RecipeStepCommand>("train")
                .WithDescription("Run a recipe up to training: the teacher cache, then the distilled students and the baselines.")
                .WithExample("train", "recipes/bert-to-tiny.yaml");
            config.AddCommand<RecipeStepCommand>("eval")
                .WithDescription("Run a recipe up to evaluation: dev and test metrics of the teacher and every trained student.");
            config.AddCommand<RecipeStepCommand>("export")
                .WithDescription("Run a recipe up to the ONNX export of its best student, checked against TorchSharp.");
            config.AddCommand<DoctorCommand>("doctor")
                .WithDescription("Check that TorchSharp and ONNX Runtime load here, and which device each would use.")
                .WithExample("doctor", "--device", "cuda");
            config.AddCommand<InspectCommand>("inspect")
                .WithDescription("Show an ONNX model's inputs, outputs and tap candidates, a teacher cache, or a student checkpoint.");
            config.AddCommand<ConvertCommand>("convert")
                .WithDescription("Import a BERT-family encoder from ONNX by its graph's structure, check it against ONNX Runtime, and write it as a student checkpoint.")
                .WithExample("convert", "model.onnx", "checkpoints/minilm");
            config.AddCommand<BenchCommand>("bench").WithDescription("Measure a teacher and a student in ONNX Runtime on the CPU: size, batch-1 latency, batch throughput, speedups.");
            config.AddBranch("cache", cache =>
            {
                cache.SetDescription("Build, inspect and merge teacher-output caches.");
                cache.AddCommand<CacheBuildCommand>("build")
                    .WithDescription("Run a teacher over a data file and cache its outputs (resumes when run again).")
                    .WithExample("cache", "build", "--teacher", "teacher.onnx", "--data", "train.tsv", "--vocab", "vocab.txt", "--attention-layers", "3,7,11")
                    .WithExample("cache", "build", "--recipe", "recipes/bert-to-tiny.yaml");
                cache.AddCommand<CacheInspectCommand>("inspect").WithDescription("Show what a cache folder holds.");
                cache.AddCommand<CacheMergeCommand>("merge").WithDescription("Join the folders of a split (--shard i/n) build.");
            });
            config.AddBranch("data", data => data.AddCommand<DataGetCommand>("get")
                .WithDescription("Download a known public data set (sst2, emotion, bert-base-uncased-vocab) or pretrained model (all-minilm-l6-v2), verified, into the data folder; without a name, list them.")
                .WithExample("data", "get")
                .WithExample("data", "get", "sst2")
                .WithExample("data", "get", "all-minilm-l6-v2", "--dir", "data"));
        });

        try
        {
            return app.Run(args, cancellation);
        }
        catch (DistillException e)
        {
            Report(console, e, verbose);
            return e.Kind == DistillErrorKind.RunFailed ? RunFailed : BadInput;
        }
        catch (CommandAppException e)
        {
            Report(console, e, verbose);
            return BadInput;
        }
        catch (OperationCanceledException e) when (cancellation.IsCancellationRequested || e is not TaskCanceledException)
        {
            console.WriteError("interrupted; run the same command again to resume");
            if (verbose)
            {
                console.WriteException(e);
            }

            return RunFailed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A disk that is full or a folder that cannot be written: the run failed, and the message says which file.
            Report(console, e, verbose);
            return RunFailed;
        }
        catch (Exception e) when (!verbose)
        {
            // Anything else is a bug in Distill; one line still, and --verbose shows where.
            // Native errors (libtorch) carry their own multi-line trace in the message; the first line says what failed.
            var first = e.Message.Split('\n', 2)[0].Trim();
            console.WriteError($"{e.GetType().Name}: {first} (an internal error; outputs written so far are kept and a recipe run continues with --resume; --verbose shows the details; please report it)");
            return RunFailed;
        }
    }

    private static void Report(IAnsiConsole console, Exception e, bool verbose)
    {
        console.WriteError(e.Message);
        if (verbose)
        {
            console.WriteException(e);
        }
    }
}
