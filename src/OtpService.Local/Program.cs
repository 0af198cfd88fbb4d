Console.WriteLine("OtpService.Local: not built yet.");
return 1;
