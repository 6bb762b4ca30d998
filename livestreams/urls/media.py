from django.urls import path

from livestreams.views import media

app_name = "media"

urlpatterns = [
    path("live/streams/", media.streams, name="streams"),
    path("live/<int:pk>/stream/", media.stream, name="stream"),
    path("live/<int:pk>/stream/rotate/", media.stream_key_rotate, name="stream_key_rotate"),
    path("live/<int:pk>/stream/links/rotate/", media.playback_links_rotate, name="links_rotate"),
    path("live/<int:pk>/links/", media.playback_links, name="links"),
    path("live/<int:pk>/replay/", media.replay, name="replay"),
    path("live/<int:pk>/lecture/", media.lecture, name="lecture"),
    path("live/<int:pk>/lecture/remove/", media.lecture_remove, name="lecture_remove"),
    path("live/<int:pk>/lecture/stop/", media.lecture_stop, name="lecture_stop"),
    # nginx-rtmp's callbacks (see templates/livestreams/media/nginx.conf)
    path("mediaserver/on_publish", media.on_publish, name="on_publish"),
    path("mediaserver/on_update", media.on_update, name="on_update"),
    path("mediaserver/on_publish_done", media.on_publish_done, name="on_publish_done"),
    path("mediaserver/on_record_done", media.on_record_done, name="on_record_done"),
]
