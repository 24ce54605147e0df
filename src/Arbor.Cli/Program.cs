// Under jemalloc when it is installed (the command starts itself again with it preloaded: NativeAllocator says why).
return Arbor.Cli.AllocatorRelaunch.Run(args) ?? Arbor.Cli.ArborCli.Run(args);
