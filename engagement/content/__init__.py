"""The content library: articles, images, videos and official statements with captions per locale and platform, targeted to departments and locations."""
