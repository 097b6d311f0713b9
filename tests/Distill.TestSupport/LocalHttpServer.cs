using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Distill.TestSupport;

/// <summary>
/// A small HTTP server on 127.0.0.1 (<see cref="HttpListener"/>) for download tests: it serves bytes the test gives it,
/// and can stop part-way (closing the connection, or going silent) or answer with an error status.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _requests;

    private LocalHttpServer(HttpListener listener, Uri baseUrl)
    {
        _listener = listener;
        BaseUrl = baseUrl;
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The server's root, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>How many requests the server has received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    public static LocalHttpServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new LocalHttpServer(listener, new Uri($"http://127.0.0.1:{port}/"));
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between the probe and the start.
                listener.Close();
            }
        }
    }

    /// <summary>A URL on 127.0.0.1 where nothing listens: connecting is refused.</summary>
    public static Uri ClosedPortUrl(string path) => new($"http://127.0.0.1:{FreePort()}/{path}");

    /// <summary>Serves <paramref name="body"/> whole at <paramref name="path"/>.</summary>
    public Uri Serve(string path, byte[] body) => Add(path, new Route(body, body.Length, Stall: false, Status: 200));

    /// <summary>Announces all of <paramref name="body"/> at <paramref name="path"/>, sends the first
    /// <paramref name="bytes"/>, then closes the connection.</summary>
    public Uri ServeTruncated(string path, byte[] body, int bytes) => Add(path, new Route(body, bytes, Stall: false, Status: 200));

    /// <summary>Announces all of <paramref name="body"/> at <paramref name="path"/>, sends the first
    /// <paramref name="bytes"/>, then sends nothing more until the server is disposed.</summary>
    public Uri ServeStalled(string path, byte[] body, int bytes) => Add(path, new Route(body, bytes, Stall: true, Status: 200));

    /// <summary>Answers requests for <paramref name="path"/> with <paramref name="status"/> and no body.</summary>
    public Uri ServeStatus(string path, int status) => Add(path, new Route([], 0, Stall: false, Status: status));

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener; how it ended does not matter here.
        }

        _stopping.Dispose();
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private Uri Add(string path, Route route)
    {
        _routes["/" + path.TrimStart('/')] = route;
        return new Uri(BaseUrl, path.TrimStart('/'));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => RespondAsync(context));
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref _requests);
        var response = context.Response;
        try
        {
            if (!_routes.TryGetValue(context.Request.Url!.AbsolutePath, out var route))
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }

            response.StatusCode = route.Status;
            if (route.Status != 200)
            {
                response.Close();
                return;
            }

            response.ContentType = "application/octet-stream";
            response.ContentLength64 = route.Body.Length;
            await response.OutputStream.WriteAsync(route.Body.AsMemory(0, route.SendBytes));
            await response.OutputStream.FlushAsync();
            if (route.SendBytes == route.Body.Length)
            {
                response.Close();
                return;
            }

            if (route.Stall)
            {
                await Task.Delay(Timeout.Infinite, _stopping.Token).ContinueWith(_ => { });
            }

            response.Abort();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away; nothing to answer.
        }
    }

    private sealed record Route(byte[] Body, int SendBytes, bool Stall, int Status);
}
