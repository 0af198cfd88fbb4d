using System.CommandLine;
using System.Reflection;

// Usage: ClassLibraryHost <Assembly::Namespace.Type::Method>
// What Amazon.Lambda.RuntimeSupport does first for a class-library handler, in the order it does
// it: use its own dependency (here System.CommandLine, to read the arguments; RuntimeSupport's is
// Amazon.Lambda.Core), then load the function's assembly and type, construct it (the function's
// init) and bind its Stream -> Task<Stream> method. Prints "handler loaded" when all of that worked.
var handler = new Argument<string>("handler") { Description = "Assembly::Namespace.Type::Method" };
var root = new RootCommand("Loads a Lambda class-library handler the way the managed runtime's host does.") { handler };
root.SetAction(parsed => Load(parsed.GetValue(handler)!));
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

static int Load(string handlerString)
{
    var parts = handlerString.Split("::");
    if (parts.Length != 3)
    {
        Console.Error.WriteLine($"Handler '{handlerString}' is not Assembly::Type::Method.");
        return 2;
    }

    var type = Assembly.Load(parts[0]).GetType(parts[1], throwOnError: true)!;
    var instance = Activator.CreateInstance(type)!;
    var method = type.GetMethod(parts[2], [typeof(Stream)]);
    if (method is null)
    {
        Console.Error.WriteLine($"{parts[1]} has no {parts[2]}(Stream).");
        return 2;
    }

    _ = method.CreateDelegate<Func<Stream, Task<Stream>>>(instance);
    Console.WriteLine("handler loaded");
    return 0;
}
