using System.Text;

namespace Jail2Ban.Core.Configuration;

/// <summary>Python's shlex.split (POSIX mode, no comments), used for journalmatch lines.</summary>
internal static class ShellSplit
{
    public static List<string> Split(string s)
    {
        var tokens = new List<string>();
        var cur = new StringBuilder();
        var inToken = false;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (inToken)
                {
                    tokens.Add(cur.ToString());
                    cur.Clear();
                    inToken = false;
                }
                i++;
            }
            else if (c == '\\')
            {
                inToken = true;
                if (i + 1 >= s.Length)
                {
                    throw new FormatException("No escaped character");
                }
                cur.Append(s[i + 1]);
                i += 2;
            }
            else if (c == '\'')
            {
                inToken = true;
                var end = s.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException("No closing quotation");
                }
                cur.Append(s, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '"')
            {
                inToken = true;
                i++;
                while (true)
                {
                    if (i >= s.Length)
                    {
                        throw new FormatException("No closing quotation");
                    }
                    var d = s[i];
                    if (d == '"')
                    {
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < s.Length && s[i + 1] is '"' or '\\')
                    {
                        cur.Append(s[i + 1]);
                        i += 2;
                        continue;
                    }
                    cur.Append(d);
                    i++;
                }
            }
            else
            {
                inToken = true;
                cur.Append(c);
                i++;
            }
        }
        if (inToken)
        {
            tokens.Add(cur.ToString());
        }
        return tokens;
    }
}
