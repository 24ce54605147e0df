return Arbor.Cli.ArborCli.Run(args);
