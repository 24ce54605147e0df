using System.Globalization;
using System.Text;

namespace Arbor.Evaluation;

/// <summary>Formats a <see cref="MetricsReport"/> as a plain-text table for terminals and logs.</summary>
public static class MetricsTable
{
    /// <summary>
    /// A header line (method, dataset, split, samples, decoding), one row per level with top-1 / top-5 in percent, then
    /// full-path accuracy, consistency and mistake severity.
    /// </summary>
    public static string Format(MetricsReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"{report.Method} on {report.Dataset} ({report.Split}, {report.Samples} samples, {report.Decoding} decoding)");
        int nameWidth = Math.Max(5, report.Levels.Select(l => l.Name.Length).DefaultIfEmpty(0).Max());
        text.AppendLine(c, $"{"level",-5}  {"name".PadRight(nameWidth)}  {"classes",7}  {"top-1",7}  {"top-5",7}");
        foreach (var l in report.Levels)
            text.AppendLine(c, $"{l.Level,-5}  {l.Name.PadRight(nameWidth)}  {l.Classes,7}  {Percent(l.Top1),7}  {Percent(l.Top5),7}");
        text.AppendLine(c, $"{"full path",-17}{Percent(report.FullPath),7}");
        text.AppendLine(c, $"{"consistency",-17}{Percent(report.Consistency),7}");
        text.AppendLine(c, $"{"mistake severity",-17}{report.MistakeSeverity,7:0.000}  (mean LCA height of wrong leaves)");
        return text.ToString();
    }

    static string Percent(double fraction) => (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";
}
