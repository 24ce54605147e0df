namespace Arbor; public static class Placeholder {}
